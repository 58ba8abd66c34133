//! Spin's identifier rules: component ids, key-value store labels, and variable names.
//!
//! Spin checks identifiers as words of ASCII letters and digits joined by one delimiter
//! (`-` for kebab-case, `_` for snake_case). Each word is all lower-case or all upper-case;
//! the first word starts with a letter, later words may start with a digit; a `:` may appear
//! inside a word. Component ids are kebab-case; store labels are kebab-case or snake_case.
//! Variable names follow the stricter runtime rule in
//! [`edgezero_spin_names::is_spin_variable_name`].

pub use edgezero_spin_names::{
    is_spin_variable_name, secret_variable_name, InvalidSecretName, SPIN_VARIABLE_NAME_RULE,
};

/// Why `id` is not a Spin identifier with words joined by `delim`; `None` when it is one.
/// `lower` additionally requires every word to be lower-case.
pub fn id_problem(id: &str, delim: char, lower: bool) -> Option<String> {
    if id.is_empty() {
        return Some("it is empty".into());
    }
    let other = if delim == '-' { '_' } else { '-' };
    if id.contains(other) {
        return Some(format!("words are joined with `{delim}`, not `{other}`"));
    }
    for (index, word) in id.split(delim).enumerate() {
        let mut chars = word.chars();
        let Some(first) = chars.next() else {
            return Some(format!(
                "it has an empty word (`{delim}{delim}`, or a `{delim}` at an end)"
            ));
        };
        if !(first.is_ascii_alphabetic() || (index > 0 && first.is_ascii_digit())) {
            return Some(format!(
                "the word `{word}` must start with a letter{}",
                if index > 0 { " or a digit" } else { "" }
            ));
        }
        let upper = first.is_ascii_uppercase();
        for c in chars {
            if c.is_ascii_digit() || c == ':' {
                continue;
            }
            if !c.is_ascii_alphanumeric() {
                return Some(format!(
                    "the word `{}` has `{}`; use ASCII letters and digits",
                    word.escape_debug(),
                    c.escape_debug()
                ));
            }
            if c.is_ascii_uppercase() != upper {
                return Some(format!("the word `{word}` mixes lower and upper case"));
            }
        }
        if lower && upper {
            return Some(format!("the word `{word}` must be lower-case"));
        }
    }
    None
}

/// Why `id` is not a valid Spin component id (kebab-case, e.g. `my-app`); `None` if valid.
pub fn component_id_problem(id: &str) -> Option<String> {
    id_problem(id, '-', false)
}

/// Why `label` is not a valid Spin key-value store label (kebab-case or snake_case, e.g.
/// `default`, `app_config`, `user-sessions`); `None` if valid.
pub fn store_label_problem(label: &str) -> Option<String> {
    let kebab = id_problem(label, '-', false)?;
    let snake = id_problem(label, '_', false)?;
    Some(if label.contains('_') { snake } else { kebab })
}

/// Quotes `key` for use in a TOML table header or dotted key when it is not a bare key.
pub fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        key.to_string()
    } else {
        let mut out = String::with_capacity(key.len() + 2);
        out.push('"');
        for c in key.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_ids() {
        for ok in ["a", "my-app", "app-2", "my-app-v2", "API-gw", "a:b"] {
            assert_eq!(component_id_problem(ok), None, "{ok}");
        }
        for bad in [
            "", "my--app", "-app", "app-", "my_app", "2app", "my app", "mY-app", "app!",
        ] {
            assert!(component_id_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn store_labels() {
        for ok in ["default", "app_config", "user-sessions", "cache2", "kv_2"] {
            assert_eq!(store_label_problem(ok), None, "{ok}");
        }
        for bad in ["", "Bad Label!", "a__b", "a-_b", "_x", "x-", "é"] {
            assert!(store_label_problem(bad).is_some(), "{bad}");
        }
        assert!(store_label_problem("bad label").unwrap().contains("` `"));
    }

    #[test]
    fn toml_keys_are_quoted_when_needed() {
        assert_eq!(toml_key("app_config"), "app_config");
        assert_eq!(toml_key("Bad Label!"), "\"Bad Label!\"");
        assert_eq!(toml_key("a\"b\n"), "\"a\\\"b\\u000A\"");
    }
}
