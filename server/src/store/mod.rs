//! Database access: queries and mutations over a `&DatabaseConnection` (or a
//! transaction), each scoped to the user it acts for.

pub mod accounts;
pub mod answers;
pub mod banks;
pub mod calendar;
pub mod choices;
pub mod coaching;
pub mod compare;
pub mod mail;
pub mod mock;
pub mod practice;
pub mod questions;
pub mod recordings;
pub mod scheduler;
pub mod session;
pub mod stats;
pub mod stories;
pub mod throttle;
