//! `[stores.secrets]` ids as the Worker's secrets: every id reads the same secrets, secret
//! `name` under its name upper-cased (`api_token` → `wrangler secret put API_TOKEN`; locally an
//! `API_TOKEN=value` line of `.dev.vars`). A secret that is not set reads as absent.

use edgezero_cloudflare_names::{secret_binding, DEV_VARS_FILE};

/// How to set secret `name`, for the message that says it is missing.
pub fn how_to_set(name: &str) -> String {
    let binding = secret_binding(name);
    format!(
        "run `wrangler secret put {binding}` (locally: add `{binding}=...` to {DEV_VARS_FILE} next to wrangler.toml)"
    )
}

#[cfg(target_arch = "wasm32")]
pub use backend::WorkerSecrets;

#[cfg(test)]
mod tests {
    #[test]
    fn the_fix_names_the_upper_cased_secret() {
        let fix = super::how_to_set("api_token");
        assert!(
            fix.contains("wrangler secret put API_TOKEN") && fix.contains("`API_TOKEN=...`"),
            "{fix}"
        );
    }
}

#[cfg(target_arch = "wasm32")]
mod backend {
    use async_trait::async_trait;
    use bytes::Bytes;
    use edgezero_core::store::secrets::{SecretError, SecretStore};

    /// The Worker's secrets (and plain `vars`, which workerd binds the same way).
    pub struct WorkerSecrets {
        env: worker::Env,
    }

    impl WorkerSecrets {
        /// The secrets of `env`.
        pub fn new(env: worker::Env) -> Self {
            WorkerSecrets { env }
        }
    }

    #[async_trait(?Send)]
    impl SecretStore for WorkerSecrets {
        async fn get_bytes(&self, name: &str) -> Result<Option<Bytes>, SecretError> {
            Ok(self
                .env
                .secret(&edgezero_cloudflare_names::secret_binding(name))
                .ok()
                .map(|s| Bytes::from(s.to_string())))
        }

        fn how_to_set(&self, name: &str) -> Option<String> {
            Some(super::how_to_set(name))
        }
    }
}
