//! Coaches and learners: invite codes, links, what a linked coach may read
//! (all answers, or only the ones shared on that link) and the review queue.

mod calibration;
mod links;
mod queue;
mod sharing;

pub use calibration::{
    calibration, suggestion_agreement, Calibration, SuggestionAgreement, AGREEMENT_ANSWERS,
};
pub use links::{create_invite, end_link, join, links_of, set_share_all, LinkView, INVITE_DAYS};
pub use queue::{
    answers_with_unread_feedback, assign, learner_overview, mark_feedback_seen,
    next_assigned_question, queue, unread_feedback, LearnerOverview, QueueItem,
};
pub use sharing::{
    coach_can_see, readable_answer, share_answer, share_choices, Reader, ShareChoice,
};
