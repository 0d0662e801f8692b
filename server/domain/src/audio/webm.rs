//! The length of a WebM recording, read from its blocks' timestamps, and the
//! `Duration` element MediaRecorder leaves out: a live recorder does not
//! know the length when it writes the header, so players show 0:00 and no
//! length until the header says it.
//!
//! Only the layout a recorder writes is changed (no `SeekHead` or `Cues`,
//! whose byte positions the inserted element would move); anything else,
//! or anything this reader does not follow, is kept byte for byte.

/// Element ids (with their length marker bits, as written).
const SEGMENT: u32 = 0x1853_8067;
const SEEK_HEAD: u32 = 0x114D_9B74;
const INFO: u32 = 0x1549_A966;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const CLUSTER: u32 = 0x1F43_B675;
const CLUSTER_TIMECODE: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const CUES: u32 = 0x1C53_BB6B;
/// The children of a Segment, which end a Cluster of unknown size.
const SEGMENT_CHILDREN: [u32; 8] = [
    SEEK_HEAD,
    INFO,
    0x1654_AE6B,
    CLUSTER,
    CUES,
    0x1043_A770,
    0x1941_A469,
    0x1254_C367,
];

/// What [`measure`] found in a WebM file.
#[derive(Debug, Clone, PartialEq)]
pub struct WebmLength {
    /// From the start of the recording to the end of its last block (whose
    /// length is taken to be the gap before it, one frame).
    pub duration_ms: u64,
    /// The file with a `Duration` in its Segment Info, when it had none and
    /// could take one safely.
    pub with_duration: Option<Vec<u8>>,
}

/// An element's header: its id, where its content starts and its size
/// (`None`: unknown, as a live recorder writes for the Segment and Clusters).
struct Header {
    id: u32,
    start: usize,
    size: Option<usize>,
    /// How many bytes the size was written in.
    size_width: usize,
}

/// Reads an EBML variable-length number at `at`: its value with the length
/// marker kept (for ids) or removed (for sizes), and its width.
fn vint(bytes: &[u8], at: usize, keep_marker: bool) -> Option<(u64, usize)> {
    let first = *bytes.get(at)?;
    let width = first.leading_zeros() as usize + 1;
    if width > 8 {
        return None;
    }
    let mut value = if keep_marker {
        u64::from(first)
    } else {
        u64::from(first) & (0xFF >> width)
    };
    for i in 1..width {
        value = (value << 8) | u64::from(*bytes.get(at + i)?);
    }
    Some((value, width))
}

fn header(bytes: &[u8], at: usize) -> Option<Header> {
    let (id, id_width) = vint(bytes, at, true)?;
    if id_width > 4 {
        return None;
    }
    let (size, size_width) = vint(bytes, at + id_width, false)?;
    // All value bits set means "unknown size".
    let unknown = size == (1u64 << (7 * size_width)) - 1;
    Some(Header {
        id: u32::try_from(id).ok()?,
        start: at + id_width + size_width,
        size: if unknown {
            None
        } else {
            Some(usize::try_from(size).ok()?)
        },
        size_width,
    })
}

fn unsigned(content: &[u8]) -> Option<u64> {
    (content.len() <= 8).then(|| content.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b)))
}

/// A size written in `min_width` bytes or, if it does not fit, the fewest
/// that hold it.
fn size_bytes(size: usize, min_width: usize) -> Option<Vec<u8>> {
    let size = u64::try_from(size).ok()?;
    let width = (min_width.max(1)..=8).find(|w| size < (1u64 << (7 * w)) - 1)?;
    let marked = size | (1u64 << (7 * width));
    Some(marked.to_be_bytes()[8 - width..].to_vec())
}

/// The Segment Info: where its header starts and what it says.
struct Info {
    at: usize,
    header: Header,
    timecode_scale: u64,
    has_duration: bool,
}

/// Block timestamps seen so far, in timecode units.
#[derive(Default)]
struct Blocks {
    first: Option<i64>,
    last: Option<i64>,
    /// The gap before the last block: the last frame's likely length.
    last_gap: i64,
}

impl Blocks {
    fn saw(&mut self, time: i64) {
        self.first = Some(self.first.map_or(time, |f| f.min(time)));
        match self.last {
            Some(last) if time > last => {
                self.last_gap = time - last;
                self.last = Some(time);
            }
            Some(_) => {}
            None => self.last = Some(time),
        }
    }
}

/// The relative timestamp of a (Simple)Block: after the track number.
fn block_time(content: &[u8]) -> Option<i64> {
    let (_, track_width) = vint(content, 0, false)?;
    let hi = *content.get(track_width)?;
    let lo = *content.get(track_width + 1)?;
    Some(i64::from(i16::from_be_bytes([hi, lo])))
}

/// Reads a Cluster's blocks; returns where the Cluster ends.
fn read_cluster(bytes: &[u8], cluster: &Header, blocks: &mut Blocks) -> usize {
    let end = cluster
        .size
        .map_or(bytes.len(), |s| (cluster.start + s).min(bytes.len()));
    let mut timecode: i64 = 0;
    let mut at = cluster.start;
    while at < end {
        let Some(child) = header(bytes, at) else {
            return end;
        };
        if cluster.size.is_none() && SEGMENT_CHILDREN.contains(&child.id) {
            return at;
        }
        let Some(size) = child.size else {
            return end;
        };
        let content = bytes.get(child.start..(child.start + size).min(bytes.len()));
        match (child.id, content) {
            (CLUSTER_TIMECODE, Some(c)) => {
                timecode = unsigned(c).and_then(|t| i64::try_from(t).ok()).unwrap_or(0);
            }
            (SIMPLE_BLOCK, Some(c)) => {
                if let Some(t) = block_time(c) {
                    blocks.saw(timecode + t);
                }
            }
            (BLOCK_GROUP, Some(group)) => {
                let mut inner = 0;
                while let Some(h) = header(group, inner) {
                    let Some(s) = h.size else { break };
                    if h.id == BLOCK {
                        if let Some(t) = group.get(h.start..).and_then(block_time) {
                            blocks.saw(timecode + t);
                        }
                    }
                    inner = h.start + s;
                }
            }
            _ => {}
        }
        at = child.start + size;
    }
    end
}

/// Measures a WebM file and, when its header lacks the length, gives a copy
/// with the length written in. `None` when the bytes are not a WebM file
/// this reader follows or hold no audio block.
pub fn measure(bytes: &[u8]) -> Option<WebmLength> {
    let ebml = header(bytes, 0)?;
    if ebml.id != 0x1A45_DFA3 {
        return None;
    }
    let segment_at = ebml.start + ebml.size?;
    let segment = header(bytes, segment_at)?;
    if segment.id != SEGMENT {
        return None;
    }
    let segment_end = segment
        .size
        .map_or(bytes.len(), |s| (segment.start + s).min(bytes.len()));
    let mut info: Option<Info> = None;
    let mut positioned = false;
    let mut blocks = Blocks::default();
    let mut at = segment.start;
    while at < segment_end {
        let Some(child) = header(bytes, at) else {
            break;
        };
        match child.id {
            CLUSTER => {
                at = read_cluster(bytes, &child, &mut blocks);
                continue;
            }
            SEEK_HEAD | CUES => positioned = true,
            INFO => {
                let size = child.size?;
                let content = bytes.get(child.start..child.start + size)?;
                let mut timecode_scale = 1_000_000;
                let mut has_duration = false;
                let mut inner = 0;
                while inner < content.len() {
                    let h = header(content, inner)?;
                    let s = h.size?;
                    match h.id {
                        TIMECODE_SCALE => {
                            timecode_scale = unsigned(content.get(h.start..h.start + s)?)?;
                        }
                        DURATION => has_duration = true,
                        _ => {}
                    }
                    inner = h.start + s;
                }
                info = Some(Info {
                    at,
                    header: child,
                    timecode_scale,
                    has_duration,
                });
                at = info.as_ref()?.header.start + size;
                continue;
            }
            _ => {}
        }
        // Anything else of unknown size cannot be stepped over.
        at = child.start + child.size?;
    }
    let info = info?;
    let (first, last) = (blocks.first?, blocks.last?);
    let ticks = (last - first.min(0) + blocks.last_gap).max(0);
    let duration_ns = u128::try_from(ticks).ok()? * u128::from(info.timecode_scale);
    let duration_ms = u64::try_from(duration_ns / 1_000_000).ok()?;
    let with_duration = if info.has_duration || positioned || duration_ms == 0 {
        None
    } else {
        insert_duration(bytes, &segment, segment_at, &info, ticks)
    };
    Some(WebmLength {
        duration_ms,
        with_duration,
    })
}

/// The file with `Duration` (in timecode units, as a 64-bit float) added at
/// the end of the Segment Info, the sizes that enclose it grown to match.
fn insert_duration(
    bytes: &[u8],
    segment: &Header,
    segment_at: usize,
    info: &Info,
    ticks: i64,
) -> Option<Vec<u8>> {
    let mut element = vec![0x44, 0x89, 0x88];
    element.extend_from_slice(&(ticks as f64).to_be_bytes());
    let info_size = info.header.size?;
    let info_end = info.header.start + info_size;
    let info_size_at = info.header.start - info.header.size_width;
    let new_info_size = size_bytes(info_size + element.len(), info.header.size_width)?;
    let grown = element.len() + new_info_size.len() - info.header.size_width;

    let mut out = Vec::with_capacity(bytes.len() + grown);
    // Up to the Segment's size, which grows too unless it is unknown.
    let segment_size_at = segment.start - segment.size_width;
    out.extend_from_slice(bytes.get(..segment_size_at)?);
    match segment.size {
        None => out.extend_from_slice(bytes.get(segment_size_at..segment.start)?),
        Some(size) => out.extend_from_slice(&size_bytes(size + grown, segment.size_width)?),
    }
    debug_assert!(segment_at < info.at);
    out.extend_from_slice(bytes.get(segment.start..info_size_at)?);
    out.extend_from_slice(&new_info_size);
    out.extend_from_slice(bytes.get(info.header.start..info_end)?);
    out.extend_from_slice(&element);
    out.extend_from_slice(bytes.get(info_end..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn element(id: &[u8], content: &[u8]) -> Vec<u8> {
        let mut out = id.to_vec();
        out.extend(size_bytes(content.len(), 1).unwrap());
        out.extend_from_slice(content);
        out
    }

    fn simple_block(time: i16) -> Vec<u8> {
        let mut content = vec![0x81];
        content.extend_from_slice(&time.to_be_bytes());
        content.extend_from_slice(&[0x80, 1, 2, 3, 4]);
        element(&[0xA3], &content)
    }

    /// What Chromium's MediaRecorder writes: a Segment and Clusters of
    /// unknown size, an Info without Duration, blocks 20 ms apart.
    fn recorder_file(clusters: &[(u16, Vec<i16>)]) -> Vec<u8> {
        let mut out = element(&[0x1A, 0x45, 0xDF, 0xA3], &element(&[0x42, 0x82], b"webm"));
        out.extend_from_slice(&[0x18, 0x53, 0x80, 0x67]);
        out.extend_from_slice(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        let mut info = element(&[0x2A, 0xD7, 0xB1], &[0x0F, 0x42, 0x40]);
        info.extend(element(&[0x4D, 0x80], b"Chrome"));
        out.extend(element(&[0x15, 0x49, 0xA9, 0x66], &info));
        out.extend(element(
            &[0x16, 0x54, 0xAE, 0x6B],
            &element(&[0xAE], &[0xD7, 0x81, 0x01]),
        ));
        for (timecode, times) in clusters {
            out.extend_from_slice(&[0x1F, 0x43, 0xB6, 0x75]);
            out.extend_from_slice(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
            out.extend(element(&[0xE7], &timecode.to_be_bytes()));
            for t in times {
                out.extend(simple_block(*t));
            }
        }
        out
    }

    fn blocks_every_20ms(from: i16, to: i16) -> Vec<i16> {
        (from..to).step_by(20).collect()
    }

    #[test]
    fn measures_a_recorder_file_and_writes_its_duration() {
        // 0..2980 ms in two clusters: the last block starts at 2980 ms.
        let file = recorder_file(&[
            (0, blocks_every_20ms(0, 2000)),
            (2000, blocks_every_20ms(0, 1000)),
        ]);
        let measured = measure(&file).unwrap();
        assert_eq!(measured.duration_ms, 3000);
        let fixed = measured.with_duration.unwrap();
        assert_eq!(fixed.len(), file.len() + 11);
        // Read again: the Duration is there, the blocks are unchanged.
        let again = measure(&fixed).unwrap();
        assert_eq!(again.duration_ms, 3000);
        assert_eq!(again.with_duration, None, "written once");
        let at = fixed
            .windows(3)
            .position(|w| w == [0x44, 0x89, 0x88])
            .unwrap();
        let value = f64::from_be_bytes(fixed[at + 3..at + 11].try_into().unwrap());
        assert_eq!(value, 3000.0);
        assert!(fixed.ends_with(&file[file.len() - 200..]));
    }

    #[test]
    fn a_file_with_a_seek_head_is_measured_but_left_alone() {
        let mut file = recorder_file(&[(0, blocks_every_20ms(0, 500))]);
        let segment_start = file
            .windows(4)
            .position(|w| w == [0x18, 0x53, 0x80, 0x67])
            .unwrap()
            + 12;
        let seek_head = element(&[0x11, 0x4D, 0x9B, 0x74], &[0xEC, 0x80]);
        file.splice(segment_start..segment_start, seek_head);
        let measured = measure(&file).unwrap();
        assert_eq!(measured.duration_ms, 500);
        assert_eq!(measured.with_duration, None);
    }

    #[test]
    fn what_is_not_webm_or_has_no_audio_is_not_measured() {
        assert_eq!(measure(b"OggS\0\0\0\0"), None);
        assert_eq!(measure(&[0x1A, 0x45, 0xDF, 0xA3]), None);
        assert_eq!(measure(&recorder_file(&[])), None);
        // Cut anywhere, a file never panics the reader.
        let file = recorder_file(&[(0, blocks_every_20ms(0, 400))]);
        for cut in 0..file.len() {
            let _ = measure(&file[..cut]);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_after_the_magic_never_panic(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let mut bytes = vec![0x1A, 0x45, 0xDF, 0xA3];
            bytes.extend(tail);
            let _ = measure(&bytes);
        }
    }
}
