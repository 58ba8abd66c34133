use std::convert::Infallible;
use std::task::Poll;

use futures_executor::block_on;
use futures_util::stream;

use super::*;

fn text(event: &Event) -> String {
    String::from_utf8(event.to_bytes().unwrap().to_vec()).unwrap()
}

/// Every chunk of the response body, or the error that ended it.
fn chunks(resp: Response) -> Vec<Result<String, String>> {
    let mut body = resp.into_body();
    block_on(async {
        let mut out = Vec::new();
        while let Some(item) = body.next().await {
            out.push(
                item.map(|b| String::from_utf8(b.to_vec()).unwrap())
                    .map_err(|e| e.to_string()),
            );
        }
        out
    })
}

#[test]
fn data_lines_split_at_every_kind_of_line_break() {
    assert_eq!(text(&Event::default().data("one")), "data: one\n\n");
    assert_eq!(
        text(&Event::default().data("a\nb\r\nc\rd")),
        "data: a\ndata: b\ndata: c\ndata: d\n\n"
    );
    // A trailing line break and empty lines survive: clients join the lines with LF.
    assert_eq!(
        text(&Event::default().data("a\n\nb\n")),
        "data: a\ndata: \ndata: b\ndata: \n\n"
    );
    assert_eq!(text(&Event::default().data("")), "data: \n\n");
    // A leading space is kept: the client strips only the one after the colon.
    assert_eq!(text(&Event::default().data(" x")), "data:  x\n\n");
    // What looks like another field inside the data stays data.
    assert_eq!(
        text(&Event::default().data("x\nevent: forged\n\nid: 9")),
        "data: x\ndata: event: forged\ndata: \ndata: id: 9\n\n"
    );
}

#[test]
fn every_field_in_order() {
    let event = Event::new()
        .comment("note\nsecond")
        .event("update")
        .id("42")
        .retry(Duration::from_millis(2500))
        .data("payload");
    assert_eq!(
        text(&event),
        ": note\n: second\nevent: update\nid: 42\nretry: 2500\ndata: payload\n\n"
    );
    assert_eq!(text(&Event::default()), "\n");
    assert_eq!(text(&Event::default().comment("hi")), ": hi\n\n");
}

#[test]
fn json_data_is_one_line() {
    let event = Event::default()
        .json_data(&serde_json::json!({"text": "a\nb", "n": 1}))
        .unwrap();
    assert_eq!(text(&event), "data: {\"n\":1,\"text\":\"a\\nb\"}\n\n");
}

#[test]
fn a_line_break_in_the_name_or_id_is_refused() {
    for event in [
        Event::default().event("a\nb").data("x"),
        Event::default().event("a\r").data("x"),
        Event::default().id("1\n").data("x"),
        Event::default().id("1\r\ndata: forged").data("x"),
        Event::default().id("1\0").data("x"),
    ] {
        let err = event.to_bytes().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid server-sent event: the "),
            "{err}"
        );
    }
    // The first reason is kept.
    let err = Event::default()
        .event("\n")
        .id("\n")
        .to_bytes()
        .unwrap_err();
    assert!(err.to_string().contains("event name"), "{err}");
}

#[test]
fn sse_response_has_its_headers_and_streams_each_event() {
    let events = stream::iter(1..=3)
        .map(|n| Ok::<_, Infallible>(Event::default().id(n.to_string()).data(format!("tick {n}"))));
    let resp = Sse::new(events).into_response();
    assert_eq!(resp.status(), http::StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "text/event-stream");
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-cache");
    assert!(
        !resp.body().is_buffered(),
        "an event stream is not buffered"
    );
    assert_eq!(
        chunks(resp),
        [
            Ok("id: 1\ndata: tick 1\n\n".to_string()),
            Ok("id: 2\ndata: tick 2\n\n".to_string()),
            Ok("id: 3\ndata: tick 3\n\n".to_string()),
        ]
    );
}

#[test]
fn an_invalid_event_or_a_stream_error_ends_the_body_with_an_error() {
    let events = stream::iter([
        Event::default().data("fine"),
        Event::default().event("bad\nname").data("never sent"),
        Event::default().data("after"),
    ]);
    let out = chunks(Sse::new(events.map(Ok::<_, Infallible>)).into_response());
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(out[0], Ok("data: fine\n\n".to_string()));
    assert!(out[1].as_ref().unwrap_err().contains("event name"));

    let events = stream::iter([
        Ok(Event::default().data("fine")),
        Err("boom"),
        Ok(Event::default()),
    ]);
    let out = chunks(Sse::new(events).into_response());
    assert_eq!(
        out,
        [Ok("data: fine\n\n".to_string()), Err("boom".to_string())]
    );
}

/// `first`, then one quiet poll (the stream wakes itself at once), then `second`.
fn with_a_pause(first: Event, second: Event) -> impl Stream<Item = Result<Event, Infallible>> {
    let mut step = 0;
    let mut items = vec![second, first];
    stream::poll_fn(move |cx| {
        step += 1;
        if step == 2 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(items.pop().map(Ok))
    })
}

fn elapsed_at_once(_: Duration) -> Option<Sleep> {
    Some(Box::pin(std::future::ready(())))
}

fn no_timer(_: Duration) -> Option<Sleep> {
    None
}

#[test]
fn keep_alive_sends_a_comment_while_the_stream_is_quiet() {
    let events = with_a_pause(Event::default().data("1"), Event::default().data("2"));
    let keep_alive = KeepAlive::new()
        .text("keep-alive")
        .with_timer(elapsed_at_once);
    let out = chunks(Sse::new(events).keep_alive(keep_alive).into_response());
    assert_eq!(
        out,
        [
            Ok("data: 1\n\n".to_string()),
            Ok(": keep-alive\n\n".to_string()),
            Ok("data: 2\n\n".to_string()),
        ]
    );
}

#[test]
fn keep_alive_without_a_timer_is_inactive() {
    let events = with_a_pause(Event::default().data("1"), Event::default().data("2"));
    let keep_alive = KeepAlive::new().with_timer(no_timer);
    let out = chunks(Sse::new(events).keep_alive(keep_alive).into_response());
    assert_eq!(
        out,
        [Ok("data: 1\n\n".to_string()), Ok("data: 2\n\n".to_string())]
    );
}

#[test]
fn keep_alive_comment_text_and_interval() {
    assert_eq!(KeepAlive::new().comment, ":\n\n");
    assert_eq!(KeepAlive::default().interval, Duration::from_secs(15));
    assert_eq!(KeepAlive::new().text("a\nb").comment, ": a\n: b\n\n");
    assert_eq!(
        KeepAlive::new().interval(Duration::ZERO).interval,
        KeepAlive::MIN_INTERVAL
    );
}
