use quote::quote;

use super::*;

fn input(tokens: proc_macro2::TokenStream) -> DeriveInput {
    syn::parse2(tokens).unwrap()
}

fn keys(s: &ConfigStruct) -> Vec<(String, String)> {
    s.fields
        .iter()
        .map(|f| {
            let kind = match &f.kind {
                FieldKind::Secret { optional: true } => "secret?".to_string(),
                FieldKind::Secret { optional: false } => "secret".to_string(),
                FieldKind::Value { .. } => f.type_name().unwrap_or_default(),
            };
            (f.key.clone(), kind)
        })
        .collect()
}

fn err(tokens: proc_macro2::TokenStream) -> String {
    parse(&input(tokens))
        .unwrap_err()
        .into_iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn secrets_nested_tables_and_renames() {
    let s = parse(&input(quote! {
        #[derive(Deserialize, AppConfig)]
        #[serde(deny_unknown_fields)]
        struct Settings {
            service: Service,
            maybe: Option<crate::extra::Limits>,
            #[secret]
            api_token: String,
            #[secret]
            #[serde(rename = "hook", default)]
            webhook_key: Option<std::string::String>,
            #[serde(skip)]
            cache: Vec<u8>,
            r#type: u8,
        }
    }))
    .unwrap();
    assert_eq!(
        keys(&s),
        [
            ("service", "Service"),
            ("maybe", "Limits"),
            ("api_token", "secret"),
            ("hook", "secret?"),
            ("type", "u8"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}

#[test]
fn rename_all_follows_serde() {
    let s = parse(&input(quote! {
        #[serde(rename_all(deserialize = "camelCase", serialize = "kebab-case"))]
        struct S { #[secret] api_token: String, base_url: String }
    }))
    .unwrap();
    assert_eq!(s.fields[0].key, "apiToken");
    assert_eq!(s.fields[1].key, "baseUrl");
    for (rule, want) in [
        ("lowercase", "api_token"),
        ("UPPERCASE", "API_TOKEN"),
        ("PascalCase", "ApiToken"),
        ("snake_case", "api_token"),
        ("SCREAMING_SNAKE_CASE", "API_TOKEN"),
        ("kebab-case", "api-token"),
        ("SCREAMING-KEBAB-CASE", "API-TOKEN"),
    ] {
        assert_eq!(RenameRule::parse(rule).unwrap().apply("api_token"), want);
    }
    assert!(
        err(quote! { #[serde(rename_all = "Title")] struct S { a: u8 } })
            .contains("unknown rename_all rule `Title`")
    );
}

#[test]
fn rules_are_compile_errors() {
    let e = err(quote! { struct S { #[secret] n: u64 } });
    assert!(e.contains("must be `String` or `Option<String>`"), "{e}");
    let e = err(quote! { struct S { #[secret(name = "x")] n: String } });
    assert!(e.contains("#[secret] takes no arguments"), "{e}");
    let e = err(quote! { struct S { #[secret] #[serde(alias = "t")] n: String } });
    assert!(
        e.contains("#[serde(alias)] is not supported on a #[secret] field"),
        "{e}"
    );
    let e = err(quote! { struct S { #[serde(flatten)] inner: Inner } });
    assert!(e.contains("#[serde(flatten)] is not supported"), "{e}");
    let e = err(quote! { struct S<T> { t: T } });
    assert!(e.contains("generic struct"), "{e}");
    let e = err(quote! { struct S(String); });
    assert!(e.contains("named fields"), "{e}");
    let e = err(quote! { #[serde(transparent)] struct S { t: String } });
    assert!(e.contains("#[serde(transparent)] is not supported"), "{e}");
    // Every problem at once, not only the first.
    let e = err(quote! { struct S { #[secret] a: u8, #[secret] #[serde(skip)] b: String } });
    assert!(
        e.contains("must be `String`") && e.contains("#[serde(skip)]"),
        "{e}"
    );
}

#[test]
fn finds_the_derive() {
    let yes = input(
        quote! { #[derive(Debug, serde::Deserialize, edgezero_core::AppConfig)] struct S { a: u8 } },
    );
    let no = input(quote! { #[derive(Debug, Deserialize)] struct S { a: u8 } });
    assert!(derives_app_config(&yes.attrs));
    assert!(!derives_app_config(&no.attrs));
}

#[test]
fn secret_paths_follow_nested_structs_by_name() {
    let settings = parse(&input(quote! {
        struct Settings {
            service: Service,
            backup: Option<Service>,
            #[secret] api_token: String,
        }
    }))
    .unwrap();
    let service = parse(&input(quote! {
        struct Service { timeout_ms: u64, #[secret] key: Option<String> }
    }))
    .unwrap();
    let paths = secret_paths(&[settings, service]);
    let got: Vec<(&str, bool, usize, usize)> = paths
        .iter()
        .map(|p| (p.key.as_str(), p.optional, p.owner, p.root))
        .collect();
    assert_eq!(
        got,
        [
            ("service.key", true, 1, 0),
            ("backup.key", true, 1, 0),
            ("api_token", false, 0, 0)
        ]
    );
    // A cycle terminates.
    let a = parse(&input(quote! { struct A { b: B, #[secret] s: String } })).unwrap();
    let b = parse(&input(quote! { struct B { a: A } })).unwrap();
    let root = parse(&input(quote! { struct Root { a: A } })).unwrap();
    assert!(secret_paths(&[a, b, root]).len() > 1);
}
