//! `Table<T>` against a real DynamoDB API (moto's server): every operation, conflicts,
//! cursors, unprocessed batch writes and concurrent optimistic updates.

mod common;

use std::{collections::HashSet, time::Duration};

use common::{client_of, create_table, endpoint, Throttler};
use lambdo::http::Problem;
use lambdo_dynamodb::{Query, Table, TableError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Todo {
    pk: String,
    sk: String,
    title: String,
    #[serde(default)]
    version: u64,
}

#[derive(Serialize)]
struct Key<'a> {
    pk: &'a str,
    sk: &'a str,
}

fn todo(owner: &str, id: &str, title: &str) -> Todo {
    Todo {
        pk: owner.into(),
        sk: id.into(),
        title: title.into(),
        version: 0,
    }
}

async fn todos() -> Table<Todo> {
    let client = client_of(&endpoint());
    let name = create_table(&client, "todos", true).await;
    Table::new(&client, name, "pk")
        .sort_key("sk")
        .cursor_secret("test secret")
}

#[tokio::test]
async fn get_put_create_and_delete() {
    let table = todos().await;
    let key = Key { pk: "ann", sk: "1" };
    assert_eq!(table.get(&key).await.unwrap(), None);

    let created = table.create(&todo("ann", "1", "write")).await.unwrap();
    assert_eq!(created.title, "write");
    match table.create(&todo("ann", "1", "again")).await {
        Err(TableError::Conflict(message)) => assert!(message.contains("exists"), "{message}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(table.get(&key).await.unwrap().unwrap().title, "write");

    table.put(&todo("ann", "1", "rewrite")).await.unwrap();
    assert_eq!(table.get(&key).await.unwrap().unwrap().title, "rewrite");

    assert_eq!(table.delete(&key).await.unwrap().title, "rewrite");
    assert!(matches!(table.delete(&key).await, Err(TableError::NotFound)));
    assert_eq!(table.get(&key).await.unwrap(), None);

    // A key that does not match the table's schema is the caller's mistake.
    #[derive(Serialize)]
    struct Wrong {
        id: u32,
    }
    let error = table.get(&Wrong { id: 1 }).await.unwrap_err();
    assert!(matches!(error, TableError::Validation(_)), "{error:?}");
    assert_eq!(Problem::from(error).status(), 400);
}

#[tokio::test]
async fn queries_page_with_cursors_that_cannot_be_tampered_with() {
    let table = todos().await;
    let mine: Vec<Todo> = (0..25).map(|n| todo("ann", &format!("{n:02}"), "mine")).collect();
    table.put_all(&mine).await.unwrap();
    table.put_all(&[todo("bob", "00", "his")]).await.unwrap();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = table
            .query(Query::partition("ann").limit(10).after(cursor.as_deref()))
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.items.into_iter().map(|todo| todo.sk));
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(pages < 10, "the listing ends");
    }
    let expected: Vec<String> = (0..25).map(|n| format!("{n:02}")).collect();
    assert_eq!(seen, expected, "every item once, in sort order");
    assert!(pages >= 3);

    let first = table.query(Query::partition("ann").limit(10)).await.unwrap();
    let cursor = first.cursor.unwrap();
    // A changed cursor, and a cursor of another listing, are refused.
    let mut tampered = cursor.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [tampered.as_str(), "not-a-cursor"] {
        let error = table
            .query(Query::partition("ann").after(Some(bad)))
            .await
            .unwrap_err();
        assert!(matches!(error, TableError::BadCursor), "{error:?}");
        assert_eq!(Problem::from(error).status(), 400);
    }
    let error = table
        .query(Query::partition("bob").after(Some(&cursor)))
        .await
        .unwrap_err();
    assert!(matches!(error, TableError::BadCursor));
    let error = table.scan(10, Some(&cursor)).await.unwrap_err();
    assert!(matches!(error, TableError::BadCursor));

    // Sort key conditions and order.
    let some = table
        .query(Query::partition("ann").sort_between("05", "07").descending())
        .await
        .unwrap();
    let ids: Vec<&str> = some.items.iter().map(|todo| todo.sk.as_str()).collect();
    assert_eq!(ids, ["07", "06", "05"]);
    let twenties = table
        .query(Query::partition("ann").sort_begins_with("2"))
        .await
        .unwrap();
    assert_eq!(twenties.items.len(), 5);
    let one = table
        .query(Query::partition("ann").sort_equals("13"))
        .await
        .unwrap();
    assert_eq!(one.items, [todo("ann", "13", "mine")]);
}

#[tokio::test]
async fn scans_page_through_the_whole_table() {
    let table = todos().await;
    let items: Vec<Todo> = (0..12).map(|n| todo(&format!("user{n}"), "x", "t")).collect();
    table.put_all(&items).await.unwrap();
    let mut owners = HashSet::new();
    let mut cursor = None;
    for _ in 0..10 {
        let page = table.scan(5, cursor.as_deref()).await.unwrap();
        assert!(page.items.len() <= 5);
        owners.extend(page.items.into_iter().map(|todo| todo.pk));
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(owners.len(), 12);
}

#[tokio::test]
async fn unprocessed_batch_writes_are_written_again() {
    let client = client_of(&endpoint());
    let name = create_table(&client, "batch", true).await;
    // Every batch write of the first two is answered with all but one write unprocessed.
    let throttler = Throttler::start(endpoint(), 2).await;
    let throttled = client_of(&throttler.address);
    let table: Table<Todo> = Table::new(&throttled, &name, "pk")
        .sort_key("sk")
        .batch_retries(8, Duration::from_millis(5));
    let items: Vec<Todo> = (0..30).map(|n| todo("ann", &format!("{n:02}"), "t")).collect();
    table.put_all(&items).await.unwrap();
    assert!(
        throttler.held_back.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "the proxy held writes back"
    );

    let direct: Table<Todo> = Table::new(&client, &name, "pk").sort_key("sk");
    let stored = direct.query(Query::partition("ann").limit(100)).await.unwrap();
    assert_eq!(
        stored.items.len(),
        30,
        "every item written despite the unprocessed ones"
    );

    // When DynamoDB keeps refusing, the caller is told, not left with a partial write.
    let stubborn = Throttler::start(endpoint(), usize::MAX).await;
    let table: Table<Todo> = Table::new(&client_of(&stubborn.address), &name, "pk")
        .sort_key("sk")
        .batch_retries(3, Duration::from_millis(1));
    let error = table.put_all(&items).await.unwrap_err();
    assert!(matches!(error, TableError::Throttled(_)), "{error:?}");
    assert_eq!(Problem::from(error).status(), 503);
}

#[tokio::test]
async fn optimistic_locking_refuses_stale_writes_and_loses_no_update() {
    let client = client_of(&endpoint());
    let name = create_table(&client, "locked", true).await;
    let table: Table<Todo> = Table::new(&client, name, "pk")
        .sort_key("sk")
        .versioned("version");

    let first = table.create(&todo("ann", "counter", "0")).await.unwrap();
    assert_eq!(first.version, 1);
    let mut read = first.clone();
    read.title = "1".into();
    let second = table.put(&read).await.unwrap();
    assert_eq!(second.version, 2);
    // `read` still says version 1: writing it again would lose the update above.
    let error = table.put(&read).await.unwrap_err();
    match &error {
        TableError::Conflict(message) => assert!(message.contains("stale"), "{message}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(Problem::from(error).status(), 409);
    // A new item (version 0) where one exists is a conflict too.
    assert!(matches!(
        table.put(&todo("ann", "counter", "x")).await,
        Err(TableError::Conflict(_))
    ));

    // 20 concurrent read-increment-write loops: every increment lands exactly once.
    let updaters = (0..20).map(|_| {
        let table = table.clone();
        tokio::spawn(async move {
            let key = Key {
                pk: "ann",
                sk: "counter",
            };
            for attempt in 0.. {
                assert!(attempt < 200, "an updater starved");
                let mut current = table.get(&key).await.unwrap().unwrap();
                current.title = (current.title.parse::<u64>().unwrap() + 1).to_string();
                match table.put(&current).await {
                    Ok(_) => return,
                    Err(TableError::Conflict(_)) => continue,
                    Err(other) => panic!("{other}"),
                }
            }
        })
    });
    for updater in futures_util::future::join_all(updaters).await {
        updater.unwrap();
    }
    let last = table
        .get(&Key {
            pk: "ann",
            sk: "counter",
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.title, "21", "1 + 20 increments");
    assert_eq!(last.version, 22);
}

/// The tables an SQS consumer writes to: one of them is gone (deleted under it).
#[derive(Clone)]
struct Writes {
    todos: Table<Todo>,
    gone: Table<Todo>,
}

async fn on_todo(
    lambdo::State(writes): lambdo::State<Writes>,
    message: lambdo::sqs::Message<Todo>,
) -> Result<(), TableError> {
    let table = if message.body.title == "to the missing table" {
        &writes.gone
    } else {
        &writes.todos
    };
    table.put(&message.body).await.map(drop)
}

#[tokio::test]
async fn dynamodb_errors_mid_batch_fail_their_records_and_lose_none() {
    let client = client_of(&endpoint());
    let writes = Writes {
        todos: todos().await,
        gone: Table::new(&client, "a-table-that-does-not-exist", "pk").sort_key("sk"),
    };
    let batch = lambdo_testing::SqsBatch::standard("todos")
        .message(&todo("u-9", "t-1", "first"))
        .message(&todo("u-9", "t-2", "to the missing table"))
        .message(&todo("u-9", "t-3", "third"))
        .message(&todo("u-9", "t-4", "to the missing table"));
    let function = lambdo::App::new(writes.clone()).sqs(on_todo).into_function();
    let answer = lambdo_testing::TestClient::new(function)
        .invoke(batch.to_event())
        .await
        .unwrap();
    let ids = batch.message_ids();
    assert_eq!(
        lambdo_testing::batch_failures(&answer),
        [ids[1].clone(), ids[3].clone()],
        "exactly the records whose write failed"
    );
    for id in ["t-1", "t-3"] {
        let key = Key { pk: "u-9", sk: id };
        assert!(
            writes.todos.get(&key).await.unwrap().is_some(),
            "{id} was written"
        );
    }
}
