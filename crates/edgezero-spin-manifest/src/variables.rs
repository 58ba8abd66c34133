//! Spin variables: name rules, `{{ name }}` templates, and resolution of values from
//! `SPIN_VARIABLE_<UPPER_NAME>` and manifest defaults.

use std::collections::BTreeMap;

use crate::ids::{is_spin_variable_name, SPIN_VARIABLE_NAME_RULE};

/// The environment variable that gives `name` a value: `SPIN_VARIABLE_<UPPER_NAME>`.
pub fn env_name(name: &str) -> String {
    format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase())
}

/// A declared application variable (`[variables]` in spin.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppVariable {
    /// `required = true`: startup fails without a value.
    pub required: bool,
    /// `default = "..."`.
    pub default: Option<String>,
    /// `secret = true` (never printed).
    pub secret: bool,
}

/// A component variable value: literal text and `{{ name }}` references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Variable(String),
}

/// Why a `{{ name }}` template cannot be parsed; the message quotes the template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{` without a closing `}}`.
    #[error("`{0}` opens `{{{{` without a closing `}}}}`; write `{{{{ name }}}}`")]
    Unclosed(String),
    /// `{{ name }}` whose name breaks Spin's rule.
    #[error("`{text}` references `{name}`, which is not a valid variable name ({SPIN_VARIABLE_NAME_RULE})")]
    InvalidName {
        /// The whole template.
        text: String,
        /// The name it references.
        name: String,
    },
}

impl Template {
    /// Parses `text`; `{{ name }}` references an application variable.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Literal(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                return Err(TemplateError::Unclosed(text.to_string()));
            };
            let name = after[..end].trim();
            if !is_spin_variable_name(name) {
                return Err(TemplateError::InvalidName {
                    text: text.to_string(),
                    name: name.to_string(),
                });
            }
            parts.push(Part::Variable(name.to_string()));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_string()));
        }
        Ok(Template(parts))
    }

    /// The application variables the template references.
    pub fn references(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|p| match p {
            Part::Variable(v) => Some(v.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Substitutes resolved application variables (every reference must be in `values`).
    pub fn expand(&self, values: &BTreeMap<String, String>) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Part::Literal(l) => l.as_str(),
                Part::Variable(v) => values.get(v).map_or("", String::as_str),
            })
            .collect()
    }
}

/// Resolves every application variable: `SPIN_VARIABLE_<UPPER_NAME>` from `env`, then the
/// default. A required variable without a value is an error naming the variable to set.
pub fn resolve_app_variables(
    declared: &BTreeMap<String, AppVariable>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, MissingVariables> {
    let mut values = BTreeMap::new();
    let mut missing = Vec::new();
    for (name, var) in declared {
        match env(&env_name(name)).or_else(|| var.default.clone()) {
            Some(value) => {
                values.insert(name.clone(), value);
            }
            None => missing.push(name.clone()),
        }
    }
    if missing.is_empty() {
        Ok(values)
    } else {
        Err(MissingVariables(missing))
    }
}

/// Required application variables that have no value, by name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("required variables without a value: {}", .0.join(", "))]
pub struct MissingVariables(pub Vec<String>);

/// Why a component's variable read failed (Spin's `spin:variables` error cases).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableError {
    /// The name breaks Spin's rules.
    InvalidName(String),
    /// The component declares no such variable.
    Undefined(String),
}

/// The resolved variables of one component.
#[derive(Debug, Clone, Default)]
pub struct ComponentVariables {
    component: String,
    values: BTreeMap<String, String>,
}

impl ComponentVariables {
    /// Expands the component's templates with the resolved application variables.
    pub fn new(
        component: &str,
        templates: &BTreeMap<String, Template>,
        app_values: &BTreeMap<String, String>,
    ) -> Self {
        ComponentVariables {
            component: component.to_string(),
            values: templates
                .iter()
                .map(|(name, t)| (name.clone(), t.expand(app_values)))
                .collect(),
        }
    }

    /// Reads a variable as `spin:variables/variables.get` does.
    pub fn get(&self, name: &str) -> Result<String, VariableError> {
        if !is_spin_variable_name(name) {
            return Err(VariableError::InvalidName(format!(
                "invalid variable name {name:?}: use {SPIN_VARIABLE_NAME_RULE}"
            )));
        }
        self.values.get(name).cloned().ok_or_else(|| {
            VariableError::Undefined(format!(
                "no variable for {:?}.{name:?}: declare it under [component.{}.variables] in spin.toml",
                self.component, self.component
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        assert_eq!(env_name("api_token"), "SPIN_VARIABLE_API_TOKEN");
    }

    #[test]
    fn templates() {
        let t = Template::parse("Bearer {{ api_token }}-{{x}}!").unwrap();
        assert_eq!(t.references().collect::<Vec<_>>(), ["api_token", "x"]);
        let values = BTreeMap::from([
            ("api_token".to_string(), "s3".to_string()),
            ("x".to_string(), "y".to_string()),
        ]);
        assert_eq!(t.expand(&values), "Bearer s3-y!");
        assert_eq!(Template::parse("plain").unwrap().expand(&values), "plain");
        assert_eq!(
            Template::parse("{{ open").unwrap_err().to_string(),
            "`{{ open` opens `{{` without a closing `}}`; write `{{ name }}`"
        );
        assert!(Template::parse("{{ Bad }}")
            .unwrap_err()
            .to_string()
            .contains("`Bad`"));
    }

    #[test]
    fn resolution_order_and_required() {
        let declared = BTreeMap::from([
            (
                "api_token".to_string(),
                AppVariable {
                    required: true,
                    default: None,
                    secret: true,
                },
            ),
            (
                "greeting".to_string(),
                AppVariable {
                    required: false,
                    default: Some("hi".into()),
                    secret: false,
                },
            ),
        ]);
        let env = |k: &str| (k == "SPIN_VARIABLE_API_TOKEN").then(|| "t".to_string());
        let values = resolve_app_variables(&declared, &env).unwrap();
        assert_eq!(values["api_token"], "t");
        assert_eq!(values["greeting"], "hi");
        let env = |k: &str| (k == "SPIN_VARIABLE_GREETING").then(|| "yo".to_string());
        assert_eq!(
            resolve_app_variables(&declared, &env).unwrap_err().0,
            ["api_token"]
        );
        let templates = BTreeMap::from([(
            "token".to_string(),
            Template::parse("{{ api_token }}").unwrap(),
        )]);
        let vars = ComponentVariables::new("app", &templates, &values);
        assert_eq!(vars.get("token").unwrap(), "t");
        assert!(matches!(
            vars.get("TOKEN"),
            Err(VariableError::InvalidName(_))
        ));
        assert!(matches!(
            vars.get("other"),
            Err(VariableError::Undefined(_))
        ));
    }
}
