//! Property tests: cursors and keys from anywhere are refused with a 400, never a panic.

mod common;

use std::rc::Rc;

use edgezero_core::store::kv::{KvError, KvHandle};
use edgezero_core::store::paging::{decode_cursor, encode_cursor};
use edgezero_core::store::validate;
use edgezero_core::EdgeError;
use edgezero_testkit::MemoryKv;
use futures_executor::block_on;
use proptest::prelude::*;

fn handle() -> KvHandle {
    KvHandle::new("prop", Rc::new(MemoryKv::new()))
}

/// Text with the characters that matter: base64 letters, NUL, controls, multi-byte.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_\\-=+/!.\u{0}\u{7}\u{7f}\n\té✓]{0,40}"
}

proptest! {
    #![proptest_config(common::config())]

    #[test]
    fn any_cursor_text_decodes_or_is_a_400(prefix in text(), cursor in text()) {
        if let Err(msg) = decode_cursor(&prefix, &cursor) {
            prop_assert!(!msg.to_string().is_empty());
        }
        let result = block_on(handle().list_keys_page("", Some(&cursor), 10));
        if let Err(e) = result {
            prop_assert!(matches!(e, KvError::Validation(_)), "{e}");
            prop_assert_eq!(EdgeError::from(e).status().as_u16(), 400);
        }
    }

    #[test]
    fn any_base64_of_bytes_decodes_or_is_a_400(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        use base64::Engine;
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        let result = block_on(handle().list_keys_page("p", Some(&cursor), 10));
        if let Err(e) = result {
            prop_assert_eq!(EdgeError::from(e).status().as_u16(), 400);
        }
    }

    #[test]
    fn cursors_round_trip(prefix in "[a-z:é]{0,8}", rest in "[a-z0-9:é]{1,8}") {
        let key = format!("{prefix}{rest}");
        prop_assert_eq!(decode_cursor(&prefix, &encode_cursor(&prefix, &key)), Ok(key));
    }

    #[test]
    fn key_rules_match_their_description(key in text()) {
        let expected = !key.is_empty()
            && key.len() <= validate::MAX_KEY_BYTES
            && key != "."
            && key != ".."
            && !key.chars().any(char::is_control);
        prop_assert_eq!(validate::key(&key).is_ok(), expected);
        let kv = handle();
        match block_on(kv.put_bytes(&key, "v")) {
            Ok(()) => {
                let back = block_on(kv.get_bytes(&key)).unwrap();
                prop_assert_eq!(back.as_deref(), Some(&b"v"[..]));
            }
            Err(e) => prop_assert_eq!(EdgeError::from(e).status().as_u16(), 400),
        }
    }

    #[test]
    fn long_keys_are_refused(n in 0usize..1100) {
        let key = "k".repeat(n);
        prop_assert_eq!(validate::key(&key).is_ok(), (1..=validate::MAX_KEY_BYTES).contains(&n));
    }
}
