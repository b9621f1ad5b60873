//! A source lambdo does not ship, written against `lambdo::source` as a user would:
//! SES receipt events (`Records` whose `eventSource` is `aws:ses`). It shares the
//! `Records` key with lambdo's record sources, and each takes only its own batches.

use lambdo::{
    source::{Bytes, EventReader, Field, ReadError, Source, SourceFuture, Value},
    sqs::SqsRecord,
    App, Context, State,
};
use lambdo_testing::{fixtures, SqsBatch, TestClient};
use lambdo_tests::Seen;

/// Hands the message id of each SES receipt to `on_mail`.
struct SesReceipts<F> {
    on_mail: F,
}

#[derive(Default)]
struct Receipts {
    ses: bool,
    message_ids: Vec<String>,
}

struct Reading<'e, F> {
    source: &'e SesReceipts<F>,
    receipts: Receipts,
}

impl<S, F> Source<S> for SesReceipts<F>
where
    S: Send + Sync + 'static,
    F: Fn(&S, &str) + Send + Sync + 'static,
{
    fn names(&self) -> &[&'static str] {
        &["ses"]
    }

    fn keys(&self) -> &'static [&'static str] {
        &["Records"]
    }

    fn reader<'e>(&'e self, _event: &'e [u8]) -> Box<dyn EventReader<'e, S> + 'e> {
        Box::new(Reading {
            source: self,
            receipts: Receipts::default(),
        })
    }
}

impl<'e, S, F> EventReader<'e, S> for Reading<'e, F>
where
    S: Send + Sync + 'static,
    F: Fn(&S, &str) + Send + Sync + 'static,
{
    fn read(&mut self, _key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        let receipts = &mut self.receipts;
        value.array(|record| {
            record.object(|key, value| {
                match key {
                    "eventSource" => receipts.ses = value.text()?.value().as_deref() == Some("aws:ses"),
                    "ses" => {
                        value.object(|key, value| {
                            if key == "mail" {
                                value.object(|key, value| {
                                    if let ("messageId", Field::Value(id)) = (key, value.text()?) {
                                        receipts.message_ids.push(id.into_owned());
                                    }
                                    Ok(())
                                })?;
                            }
                            Ok(())
                        })?;
                    }
                    _ => {}
                }
                Ok(())
            })?;
            Ok(())
        })?;
        Ok(())
    }

    fn claims(&mut self) -> bool {
        self.receipts.ses && !self.receipts.message_ids.is_empty()
    }

    fn handle(self: Box<Self>, _event: &'e Bytes, _context: Context, state: &'e S) -> SourceFuture<'e> {
        for id in &self.receipts.message_ids {
            (self.source.on_mail)(state, id);
        }
        Box::pin(async {
            Ok(serde_json::value::RawValue::from_string("null".to_owned())
                .unwrap()
                .into())
        })
    }
}

async fn on_order(State(seen): State<Seen>, record: SqsRecord) -> Result<(), lambdo::BoxError> {
    seen.push(format!("sqs {}", record.message_id()));
    Ok(())
}

#[tokio::test]
async fn a_user_written_source_takes_its_events_beside_lambdos() {
    let seen = Seen::default();
    let app = App::new(seen.clone()).sqs(on_order).source(SesReceipts {
        on_mail: |seen: &Seen, id: &str| seen.push(format!("ses {id}")),
    });
    let function = app.into_function();
    assert_eq!(function.sources(), ["sqs", "ses"]);
    let client = TestClient::new(function);

    for name in ["example-ses-event.json", "example-ses-lambda-event.json"] {
        let (_, event) = fixtures::aws_lambda_events_samples()
            .into_iter()
            .find(|(file, _)| file == name)
            .unwrap();
        let mail: serde_json::Value = serde_json::from_str(&event).unwrap();
        let id = mail["Records"][0]["ses"]["mail"]["messageId"]
            .as_str()
            .unwrap()
            .to_owned();
        client.invoke_raw(event).await.unwrap();
        assert_eq!(seen.all().last().unwrap(), &format!("ses {id}"), "{name}");
    }

    let batch = SqsBatch::standard("orders").text("a");
    let answer = client.invoke(batch.to_event()).await.unwrap();
    assert_eq!(answer["batchItemFailures"], serde_json::json!([]));
    assert_eq!(
        seen.all().last().unwrap(),
        &format!("sqs {}", batch.message_ids()[0])
    );
}
