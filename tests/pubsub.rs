//! Pub/sub: delivery counts, ordering, patterns, and the slow-subscriber policy.

use ferricache::{Cache, Error};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

#[test]
fn publish_counts_receivers_like_redis() {
    let c = Cache::new();
    assert_eq!(c.publish("news", "nobody").unwrap(), 0);
    let mut a = c.subscriber();
    a.subscribe(["news", "sport"]);
    let mut b = c.subscriber();
    b.psubscribe(["n*", "ne?s"]);
    // a: one channel match; b: two pattern matches.
    assert_eq!(c.publish("news", "hello").unwrap(), 3);
    let m = a.recv_timeout(WAIT).unwrap().unwrap();
    assert_eq!(
        (m.pattern, &m.channel[..], &m.payload[..]),
        (None, &b"news"[..], &b"hello"[..])
    );
    let p1 = b.try_recv().unwrap().unwrap();
    let p2 = b.try_recv().unwrap().unwrap();
    assert_eq!(p1.pattern.as_deref(), Some(&b"n*"[..]));
    assert_eq!(p2.pattern.as_deref(), Some(&b"ne?s"[..]));
    assert_eq!(b.try_recv().unwrap(), None);
    let mut chans: Vec<_> = c
        .pubsub_channels(None)
        .unwrap()
        .into_iter()
        .map(|b| b.to_vec())
        .collect();
    chans.sort();
    assert_eq!(chans, [b"news".to_vec(), b"sport".to_vec()]);
    assert_eq!(c.pubsub_channels(Some(b"s*")).unwrap().len(), 1);
    assert_eq!(
        c.pubsub_numsub(&["news", "none"])
            .unwrap()
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>(),
        [1, 0]
    );
    assert_eq!(c.pubsub_numpat().unwrap(), 2);
    a.unsubscribe(&["news"]);
    assert_eq!(c.publish("news", "x").unwrap(), 2);
    b.punsubscribe::<&str>(&[]);
    assert_eq!(c.pubsub_numpat().unwrap(), 0);
    drop(a);
    assert!(
        c.pubsub_channels(None).unwrap().is_empty(),
        "dropping a subscriber unsubscribes it"
    );
}

#[test]
fn a_subscriber_on_a_channel_and_a_pattern_gets_both() {
    let c = Cache::new();
    let mut s = c.subscriber();
    s.subscribe(["quotes:TATA"]);
    s.psubscribe(["quotes:*"]);
    assert_eq!(c.publish("quotes:TATA", "912.5").unwrap(), 2);
    assert_eq!(s.try_recv().unwrap().unwrap().pattern, None);
    assert!(s.try_recv().unwrap().unwrap().pattern.is_some());
}

#[test]
fn messages_from_one_publisher_arrive_in_order_across_threads() {
    let c = Cache::new();
    let mut s = c.subscriber();
    s.subscribe(["ticks"]);
    let publisher = {
        let c = c.clone();
        thread::spawn(move || {
            for i in 0..10_000u32 {
                assert_eq!(c.publish("ticks", i.to_string()).unwrap(), 1);
            }
        })
    };
    for i in 0..10_000u32 {
        let m = s.recv_timeout(WAIT).unwrap().expect("a message in time");
        assert_eq!(m.payload, i.to_string());
    }
    publisher.join().unwrap();
}

#[test]
fn a_slow_subscriber_is_disconnected_and_never_blocks_publishers() {
    let c = Cache::builder().pubsub_queue_limit(100).build().unwrap();
    let mut slow = c.subscriber();
    slow.subscribe(["firehose"]);
    let mut fast = c.subscriber();
    fast.subscribe(["firehose"]);
    let mut delivered_to_fast = 0;
    for i in 0..1000 {
        c.publish("firehose", format!("{i}")).unwrap();
        while fast.try_recv().unwrap().is_some() {
            delivered_to_fast += 1;
        }
    }
    assert_eq!(delivered_to_fast, 1000, "the fast subscriber loses nothing");
    // The slow one keeps what it had queued, then learns it was disconnected.
    for i in 0..100 {
        assert_eq!(slow.try_recv().unwrap().unwrap().payload, i.to_string());
    }
    assert!(matches!(slow.try_recv(), Err(Error::Disconnected)));
    assert!(matches!(
        slow.recv_timeout(Duration::from_millis(10)),
        Err(Error::Disconnected)
    ));
    let stats = c.stats();
    assert_eq!(stats.pubsub_disconnected, 1);
    assert_eq!(stats.pubsub_dropped, 1);
    assert_eq!(
        c.pubsub_numsub(&["firehose"]).unwrap()[0].1,
        1,
        "the slow subscriber was removed"
    );
}

#[test]
fn callbacks_wake_an_event_loop_and_iter_drains() {
    let c = Cache::new();
    let mut s = c.subscriber();
    s.psubscribe(["events:*"]);
    let woken = Arc::new(AtomicUsize::new(0));
    let w = woken.clone();
    s.on_message(move || {
        w.fetch_add(1, Ordering::SeqCst);
    });
    c.publish("events:a", "1").unwrap();
    c.publish("events:b", "2").unwrap();
    c.publish("other", "3").unwrap();
    assert_eq!(woken.load(Ordering::SeqCst), 2);
    let got: Vec<_> = s.iter().take(2).map(|m| m.payload).collect();
    assert_eq!(got, ["1", "2"]);
    assert_eq!(s.recv_timeout(Duration::from_millis(20)).unwrap(), None);
}
