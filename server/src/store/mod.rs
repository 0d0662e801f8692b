//! Database access: queries and mutations over a `&DatabaseConnection` (or a
//! transaction), each scoped to the user it acts for.

pub mod accounts;
pub mod answers;
pub mod banks;
pub mod choices;
pub mod coaching;
pub mod practice;
pub mod questions;
pub mod stats;
