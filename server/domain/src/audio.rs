//! Spoken rehearsals: which audio formats Starling keeps, recognised by the
//! declared media type and checked against the file's first bytes, so an
//! upload that only claims to be audio is refused.

pub mod webm;

/// An audio container Starling accepts from the browser's MediaRecorder
/// (WebM/Opus in Chromium and Firefox, MP4/AAC in Safari) or from a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudioFormat {
    Webm,
    Ogg,
    Mp4,
    Mpeg,
    Wav,
}

impl AudioFormat {
    /// The media type stored with the recording and sent back on playback.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Webm => "audio/webm",
            Self::Ogg => "audio/ogg",
            Self::Mp4 => "audio/mp4",
            Self::Mpeg => "audio/mpeg",
            Self::Wav => "audio/wav",
        }
    }

    /// The format a `Content-Type` names, ignoring parameters such as
    /// `codecs=opus`; `None` for anything that is not an accepted audio type.
    pub fn from_content_type(content_type: &str) -> Option<AudioFormat> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "audio/webm" | "video/webm" => Some(Self::Webm),
            "audio/ogg" | "audio/opus" => Some(Self::Ogg),
            "audio/mp4" | "audio/m4a" | "audio/x-m4a" | "audio/aac" | "video/mp4" => {
                Some(Self::Mp4)
            }
            "audio/mpeg" | "audio/mp3" => Some(Self::Mpeg),
            "audio/wav" | "audio/wave" | "audio/x-wav" | "audio/vnd.wave" => Some(Self::Wav),
            _ => None,
        }
    }

    /// Whether `bytes` start the way a file of this format does.
    pub fn matches(self, bytes: &[u8]) -> bool {
        match self {
            Self::Webm => bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]),
            Self::Ogg => bytes.starts_with(b"OggS"),
            Self::Mp4 => bytes.len() >= 8 && &bytes[4..8] == b"ftyp",
            Self::Mpeg => {
                bytes.starts_with(b"ID3")
                    || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0)
            }
            Self::Wav => bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE",
        }
    }
}

/// The media types accepted, for error messages.
pub const ACCEPTED: &str = "audio/webm, audio/ogg, audio/mp4, audio/mpeg or audio/wav";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_with_parameters_are_recognised() {
        assert_eq!(
            AudioFormat::from_content_type("audio/webm;codecs=opus"),
            Some(AudioFormat::Webm)
        );
        assert_eq!(
            AudioFormat::from_content_type(" Audio/MP4 ; codecs=mp4a.40.2"),
            Some(AudioFormat::Mp4)
        );
        assert_eq!(AudioFormat::from_content_type("text/plain"), None);
        assert_eq!(AudioFormat::from_content_type("image/png"), None);
        assert_eq!(AudioFormat::from_content_type(""), None);
    }

    #[test]
    fn first_bytes_must_match_the_declared_format() {
        let webm = [0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42];
        assert!(AudioFormat::Webm.matches(&webm));
        assert!(!AudioFormat::Ogg.matches(&webm));
        assert!(AudioFormat::Ogg.matches(b"OggS\0\x02"));
        assert!(AudioFormat::Mp4.matches(b"\0\0\0\x20ftypM4A "));
        assert!(!AudioFormat::Mp4.matches(b"ftyp"));
        assert!(AudioFormat::Wav.matches(b"RIFF\x24\0\0\0WAVEfmt "));
        assert!(!AudioFormat::Wav.matches(b"RIFF\x24\0\0\0AVI LIST"));
        assert!(AudioFormat::Mpeg.matches(b"ID3\x04"));
        assert!(AudioFormat::Mpeg.matches(&[0xFF, 0xFB, 0x90]));
        assert!(!AudioFormat::Webm.matches(b"<html><script>"));
        assert!(!AudioFormat::Webm.matches(b""));
    }
}
