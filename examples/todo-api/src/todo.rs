//! The todo itself and the rules a valid one follows.

use lambdo::http::Problem;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest title a todo may have, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// A todo as stored and returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    /// Assigned on creation.
    pub id: Uuid,
    /// What to do.
    pub title: String,
    /// Whether it is done.
    pub completed: bool,
}

/// The body of `POST /todos`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTodo {
    /// What to do; 1 to 200 characters after trimming.
    pub title: String,
    /// Defaults to `false`.
    #[serde(default)]
    pub completed: bool,
}

/// The body of `PATCH /todos/{id}`: the fields to change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TodoPatch {
    /// A new title.
    pub title: Option<String>,
    /// A new state.
    pub completed: Option<bool>,
}

impl NewTodo {
    /// Checks the rules and assigns an id.
    pub fn to_todo(&self) -> Result<Todo, Problem> {
        Ok(Todo {
            // Version 7: ids sort by creation time, which orders listings.
            id: Uuid::now_v7(),
            title: valid_title(&self.title)?,
            completed: self.completed,
        })
    }
}

impl TodoPatch {
    /// Checks the rules; a patch that changes nothing is an error too.
    pub fn validated(self) -> Result<TodoPatch, Problem> {
        if self.title.is_none() && self.completed.is_none() {
            return Err(Problem::unprocessable(
                "the patch changes nothing: give `title` or `completed`",
            ));
        }
        let title = self.title.as_deref().map(valid_title).transpose()?;
        Ok(TodoPatch {
            title,
            completed: self.completed,
        })
    }

    /// Applies the patch.
    pub fn apply_to(self, todo: &mut Todo) {
        if let Some(title) = self.title {
            todo.title = title;
        }
        if let Some(completed) = self.completed {
            todo.completed = completed;
        }
    }
}

/// A trimmed, non-empty title of at most [`MAX_TITLE_CHARS`] characters.
pub fn valid_title(title: &str) -> Result<String, Problem> {
    let title = title.trim();
    let problem = |detail: String| Problem::unprocessable(detail).with_extension("pointer", "/title");
    if title.is_empty() {
        return Err(problem("the title must not be empty".to_owned()));
    }
    let chars = title.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Err(problem(format!(
            "the title has {chars} characters; at most {MAX_TITLE_CHARS} are allowed"
        )));
    }
    Ok(title.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(valid_title("  buy milk ").unwrap(), "buy milk");
        assert_eq!(valid_title("   ").unwrap_err().status(), 422);
        assert!(valid_title(&"é".repeat(MAX_TITLE_CHARS)).is_ok());
        assert!(valid_title(&"é".repeat(MAX_TITLE_CHARS + 1)).is_err());
    }

    #[test]
    fn empty_patches_are_rejected() {
        assert!(TodoPatch::default().validated().is_err());
    }
}
