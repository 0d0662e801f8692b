//! sea-orm entities, one module per table; the schema itself lives in the
//! `migrations` crate.

/// A value stored in the database as one of a few words: an enum whose
/// `as_str` is the stored word (and the one the API and pages show), read
/// back with `FromStr`, usable in filters and active models as it is.
macro_rules! stored_words {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sea_orm::DeriveValueType)]
        #[sea_orm(value_type = "String")]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// The stored word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $word, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::entities::UnknownWord;
            fn from_str(word: &str) -> Result<Self, Self::Err> {
                match word {
                    $( $word => Ok(Self::$variant), )+
                    other => Err($crate::entities::UnknownWord {
                        kind: stringify!($name),
                        word: other.to_owned(),
                    }),
                }
            }
        }
    };
}

/// A stored word that names no value of its kind.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} {word:?}")]
pub struct UnknownWord {
    pub kind: &'static str,
    pub word: String,
}

pub mod answer;
pub mod api_token;
pub mod assignment;
pub mod bank;
pub mod bank_choice;
pub mod calendar_feed;
pub mod card;
pub mod coach_invite;
pub mod coach_link;
pub mod competency;
pub mod draft;
pub mod login_failure;
pub mod mail_outbox;
pub mod mail_setting;
pub mod mock_interview;
pub mod mock_question;
pub mod optimize_job;
pub mod question;
pub mod recording;
pub mod review;
pub mod review_item;
pub mod review_item_comment;
pub mod review_log;
pub mod rubric_item;
pub mod session;
pub mod setting;
pub mod shared_answer;
pub mod skipped_competency;
pub mod story;
pub mod story_competency;
pub mod user;
