//! The kv-explorer page in a real, headless Chromium against the native server: log in
//! through the page's own form, add a key, find it, filter, page, delete it after the
//! confirmation, and a narrow window. Screenshots go to target/browser-screenshots/.

mod common;

use common::{Server, CREDENTIALS};
use edgezero_test_support::browser::fantoccini::key::Key;
use edgezero_test_support::browser::{Browser, BrowserError, Locator};

/// The keys listed on the page, in order.
async fn listed(browser: &Browser) -> Result<Vec<String>, BrowserError> {
    let keys = browser
        .execute(
            "return [...document.querySelectorAll('#keys button.key')].map(b => b.dataset.key);",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(keys).expect("a list of keys"))
}

/// The id of the element that has the keyboard focus.
async fn focused(browser: &Browser) -> Result<Option<String>, BrowserError> {
    Ok(browser.active_element().await?.attr("id").await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_add_filter_page_and_delete_in_a_browser() -> Result<(), BrowserError> {
    let server = Server::start(Some(CREDENTIALS));
    for i in 1..=7 {
        server.seed(
            &format!("fruit:{i:02}"),
            format!("fruit number {i}").as_bytes(),
        );
    }
    server.seed("config/banner", b"Welcome!");
    server.seed(
        "image.bin",
        &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a],
    );
    let browser = Browser::start().await?;
    browser.goto(&server.url("/")).await?;
    browser
        .wait_until(
            "!document.getElementById('login-section').hidden",
            "the login form",
        )
        .await?;
    assert_eq!(
        focused(&browser).await?.as_deref(),
        Some("login-user"),
        "the login form takes the focus"
    );

    // A wrong password: the page says so, without the browser's own prompt.
    browser.type_into("#login-user", "alice").await?;
    browser.type_into("#login-password", "guess").await?;
    browser.click("#login button[type=submit]").await?;
    browser
        .wait_until(
            "document.getElementById('login-error').textContent.includes('Wrong user or password')",
            "the wrong-password message",
        )
        .await?;

    // The right one, submitted from the keyboard.
    let (user, password) = CREDENTIALS.split_once(':').unwrap();
    browser.type_into("#login-user", user).await?;
    browser.type_into("#login-password", password).await?;
    browser
        .find(Locator::Id("login-password"))
        .await?
        .send_keys(&char::from(Key::Enter).to_string())
        .await?;
    browser
        .wait_until(
            "document.querySelectorAll('#keys button.key').length > 0",
            "the key list",
        )
        .await?;
    let keys = listed(&browser).await?;
    assert_eq!(keys.len(), 9, "{keys:?}");
    assert!(!keys.contains(&"kv-credentials".to_string()), "{keys:?}");
    assert_eq!(focused(&browser).await?.as_deref(), Some("prefix"));

    // Add a key; it is stored and listed.
    browser.type_into("#set-key", "greeting").await?;
    browser
        .type_into("#set-value", "hello from the browser")
        .await?;
    browser.click("#set-form button[type=submit]").await?;
    browser
        .wait_until(
            "document.getElementById('value-text').textContent === 'hello from the browser'",
            "the saved value",
        )
        .await?;
    assert_eq!(
        server.stored("greeting"),
        Some(b"hello from the browser".to_vec())
    );
    assert!(listed(&browser).await?.contains(&"greeting".to_string()));
    browser.save_screenshot("kv-explorer-native").await?;

    // A binary value is shown as hex with its size.
    browser.click("#keys button[data-key='image.bin']").await?;
    browser
        .wait_until(
            "document.getElementById('value-text').textContent.startsWith('89 50 4e 47')",
            "the hex of the binary value",
        )
        .await?;
    let meta = browser
        .find(Locator::Id("value-meta"))
        .await?
        .text()
        .await?;
    assert!(meta.contains("8 bytes") && meta.contains("hex"), "{meta}");

    // Filter by prefix, five keys a page: two pages.
    browser
        .find(Locator::Id("limit"))
        .await?
        .select_by_value("5")
        .await?;
    browser.type_into("#prefix", "fruit:").await?;
    browser
        .find(Locator::Id("prefix"))
        .await?
        .send_keys(&char::from(Key::Enter).to_string())
        .await?;
    browser
        .wait_until(
            "document.querySelectorAll('#keys button.key').length === 5 && !document.getElementById('next').disabled && Array.from(document.querySelectorAll('#keys button.key')).every(b => b.textContent.startsWith('fruit:'))",
            "the first page of fruit",
        )
        .await?;
    assert_eq!(
        listed(&browser).await?,
        ["fruit:01", "fruit:02", "fruit:03", "fruit:04", "fruit:05"]
    );
    browser.click("#next").await?;
    browser
        .wait_until(
            "document.getElementById('page-info').textContent === 'Page 2'",
            "page 2",
        )
        .await?;
    browser
        .wait_until(
            "document.querySelectorAll('#keys button.key').length === 2",
            "the second page",
        )
        .await?;
    assert_eq!(listed(&browser).await?, ["fruit:06", "fruit:07"]);
    assert!(
        browser
            .find(Locator::Id("prev"))
            .await?
            .prop("disabled")
            .await?
            == Some("false".into())
    );
    assert!(
        browser
            .find(Locator::Id("next"))
            .await?
            .prop("disabled")
            .await?
            == Some("true".into())
    );
    browser.click("#prev").await?;
    browser
        .wait_until(
            "document.getElementById('page-info').textContent === 'Page 1' && document.querySelectorAll('#keys button.key').length === 5",
            "back on page 1",
        )
        .await?;

    // Delete the new key, after the confirmation.
    browser.type_into("#prefix", "greet").await?;
    browser.click("#filter button[type=submit]").await?;
    browser
        .wait_until(
            "document.querySelectorAll('#keys button.key').length === 1",
            "only the greeting",
        )
        .await?;
    browser.click("#keys button[data-key='greeting']").await?;
    browser
        .wait_until(
            "document.getElementById('value-key').textContent === 'greeting'",
            "the greeting's value",
        )
        .await?;
    browser.click("#delete").await?;
    browser
        .wait_until(
            "!document.getElementById('confirm').hidden",
            "the confirmation",
        )
        .await?;
    assert_eq!(
        focused(&browser).await?.as_deref(),
        Some("delete-no"),
        "the safe choice has the focus"
    );
    assert!(
        server.stored("greeting").is_some(),
        "nothing deleted before confirming"
    );
    browser.click("#delete-yes").await?;
    browser
        .wait_until(
            "document.getElementById('status').textContent === 'Deleted greeting.'",
            "the deletion",
        )
        .await?;
    assert_eq!(server.stored("greeting"), None);
    browser
        .wait_until(
            "document.querySelectorAll('#keys button.key').length === 0",
            "an empty list",
        )
        .await?;

    // A narrow screen: one column, nothing wider than the window.
    browser.set_window_size(400, 900).await?;
    browser.type_into("#prefix", "").await?;
    browser.click("#filter button[type=submit]").await?;
    browser
        .wait_until(
            "document.querySelectorAll('#keys button.key').length === 5",
            "the first page again",
        )
        .await?;
    browser
        .wait_until(
            "document.documentElement.scrollWidth <= window.innerWidth",
            "no horizontal scrolling",
        )
        .await?;
    browser.save_screenshot("kv-explorer-native-narrow").await?;

    // Logging out forgets the credentials.
    browser.click("#logout").await?;
    browser
        .wait_until(
            "!document.getElementById('login-section').hidden && sessionStorage.length === 0",
            "the login form after logging out",
        )
        .await?;
    Ok(())
}

/// A key whose U+202E (right-to-left override) would draw `invoice<U+202E>gnp.exe` as
/// `invoiceexe.png`.
const SPOOF_KEY: &str = "invoice\u{202E}gnp.exe";
/// How the page shows it: the override as a visible token.
const SPOOF_SHOWN: &str = "invoice\\u{202E}gnp.exe";

/// The text of the element with id `id`, as the DOM holds it.
async fn text_of(browser: &Browser, id: &str) -> Result<String, BrowserError> {
    let text = browser
        .execute(
            "return document.getElementById(arguments[0]).textContent;",
            vec![id.into()],
        )
        .await?;
    Ok(text.as_str().unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn format_characters_are_shown_escaped_and_the_real_key_is_used() -> Result<(), BrowserError>
{
    let server = Server::start(Some(CREDENTIALS));
    server.seed(
        SPOOF_KEY,
        "zero\u{200B}width \u{2066}isolate\u{2069} soft\u{00AD}hyphen".as_bytes(),
    );
    server.seed("plain", b"nothing hidden");
    let browser = Browser::start().await?;
    browser.goto(&server.url("/")).await?;
    browser
        .wait_until(
            "!document.getElementById('login-section').hidden",
            "the login form",
        )
        .await?;
    let (user, password) = CREDENTIALS.split_once(':').unwrap();
    browser.type_into("#login-user", user).await?;
    browser.type_into("#login-password", password).await?;
    browser.click("#login button[type=submit]").await?;
    browser
        .wait_until(
            "document.querySelectorAll('#keys button.key').length === 2",
            "the key list",
        )
        .await?;

    // The list: the button acts on the real key and shows the override as a token; no
    // format character is left in what the page draws.
    assert_eq!(listed(&browser).await?, [SPOOF_KEY, "plain"]);
    let shown = browser
        .execute(
            "const b = [...document.querySelectorAll('#keys button.key')].find(b => b.dataset.key === arguments[0]);
             return [b.textContent, b.innerText, b.querySelectorAll('.fmt').length,
                     b.querySelector('.fmt') && getComputedStyle(b.querySelector('.fmt')).display];",
            vec![SPOOF_KEY.into()],
        )
        .await?;
    assert_eq!(shown[0], SPOOF_SHOWN, "{shown}");
    assert_eq!(shown[1], SPOOF_SHOWN, "what is drawn: {shown}");
    assert_eq!(shown[2], 1, "{shown}");
    assert_ne!(shown[3], "none", "the token is visible: {shown}");
    let page_text = browser
        .execute("return document.body.innerText;", vec![])
        .await?;
    assert!(
        !page_text.as_str().unwrap().chars().any(is_format_char),
        "no raw format character is drawn: {page_text}"
    );

    // Opening it: the heading and the value show the tokens.
    browser
        .execute(
            "[...document.querySelectorAll('#keys button.key')].find(b => b.dataset.key === arguments[0]).click();",
            vec![SPOOF_KEY.into()],
        )
        .await?;
    browser
        .wait_until(
            "!document.getElementById('value-section').hidden",
            "the value",
        )
        .await?;
    assert_eq!(text_of(&browser, "value-key").await?, SPOOF_SHOWN);
    assert_eq!(
        text_of(&browser, "value-text").await?,
        "zero\\u{200B}width \\u{2066}isolate\\u{2069} soft\\u{00AD}hyphen"
    );
    browser
        .save_screenshot("kv-explorer-native-format-characters")
        .await?;

    // Copying the shown key copies the real one.
    let copied = browser
        .execute(
            "const el = document.getElementById('value-key');
             const range = document.createRange();
             range.selectNodeContents(el);
             const selection = document.getSelection();
             selection.removeAllRanges();
             selection.addRange(range);
             const clipboardData = new DataTransfer();
             el.dispatchEvent(new ClipboardEvent('copy', { clipboardData, bubbles: true, cancelable: true }));
             selection.removeAllRanges();
             return clipboardData.getData('text/plain');",
            vec![],
        )
        .await?;
    assert_eq!(copied, SPOOF_KEY);

    // Editing puts the real key in the field, and says what it holds; saving writes it.
    browser.click("#edit").await?;
    let field = browser
        .execute("return document.getElementById('set-key').value;", vec![])
        .await?;
    assert_eq!(field, SPOOF_KEY);
    assert_eq!(
        text_of(&browser, "set-key-note").await?,
        format!("This key holds format characters: {SPOOF_SHOWN}")
    );
    browser.type_into("#set-value", "edited").await?;
    browser.click("#set-form button[type=submit]").await?;
    browser
        .wait_until(
            "document.getElementById('value-text').textContent === 'edited'",
            "the edited value",
        )
        .await?;
    assert_eq!(server.stored(SPOOF_KEY), Some(b"edited".to_vec()));
    assert_eq!(
        text_of(&browser, "status").await?,
        format!("Saved {SPOOF_SHOWN}.")
    );

    // Deleting: the confirmation shows the token, and the real key goes.
    browser.click("#delete").await?;
    browser
        .wait_until(
            "!document.getElementById('confirm').hidden",
            "the confirmation",
        )
        .await?;
    let confirm = text_of(&browser, "confirm-text").await?;
    assert!(
        confirm.starts_with(&format!("Delete {SPOOF_SHOWN} from store")),
        "{confirm}"
    );
    browser.click("#delete-yes").await?;
    browser
        .wait_until(
            "document.querySelectorAll('#keys button.key').length === 1",
            "the key gone from the list",
        )
        .await?;
    assert_eq!(server.stored(SPOOF_KEY), None);
    assert_eq!(server.stored("plain"), Some(b"nothing hidden".to_vec()));
    assert_eq!(
        text_of(&browser, "status").await?,
        format!("Deleted {SPOOF_SHOWN}.")
    );
    Ok(())
}

/// The format characters this test stores (all of Unicode category Cf).
fn is_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{202E}' | '\u{2066}' | '\u{2069}'
    )
}
