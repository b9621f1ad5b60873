//! `{"Records": [...]}` events: SQS, Kinesis, DynamoDB Streams, SNS, S3. One source reads
//! the `Records` key for all of them, each record once: the first record's
//! `eventSource` names the source the batch belongs to (a batch never mixes sources),
//! and each record's keys go to that source's reader as the pass reaches them.
//!
//! Each record source lives in its own module and implements [`Record`]: the keys of a
//! record it reads, what it reads of them, how it makes its handler's payload and the
//! record's identifier, how its records are ordered, and whether its caller reads a
//! partial batch response (then the batch engine, [`crate::batch`], runs the records)
//! or not (each record in turn, the first failure failing the invocation).

use bytes::Bytes;

use crate::{
    batch::{self, BatchOptions, Order, Pending},
    guard::{self, run_record, RecordFn, RecordSpan},
    source::{offer_raw, Answer, EventReader, KeyTable, ReadError, Source, SourceFuture, Value},
    text::{Field, Text},
    Context, Error,
};

/// A kind of record of `Records` batches, read in the one pass.
pub(crate) trait Record: Sized + Send + 'static {
    /// What one record is, for error messages (`an SQS record`).
    const NAME: &'static str;
    /// The source's name (`sqs`).
    const SOURCE: &'static str;
    /// The records' `eventSource` (`aws:sqs`).
    const EVENT_SOURCE: &'static str;
    /// The keys of a record this kind reads.
    const KEYS: &'static [&'static str];
    /// Whether the caller reads partial batch responses (`batchItemFailures`).
    const PARTIAL: bool;

    /// What the pass keeps of one record.
    type Fields<'e>: Default + Send;

    /// Reads the value of one of the record's keys.
    fn read<'e>(fields: &mut Self::Fields<'e>, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError>;

    /// The first field of the record whose value had the wrong type: the record then
    /// fails alone, naming it.
    fn malformed<'f>(fields: &'f mut Self::Fields<'_>) -> &'f mut Option<&'static str>;

    /// The record at `index`, made of what was read; an error (see
    /// [`batch::unidentified`]) when its identifier cannot be read.
    fn make(event: &Bytes, fields: Self::Fields<'_>, index: usize) -> Result<Pending<Self>, Error>;

    /// How the records of this batch relate.
    fn order(records: &[Pending<Self>], options: &BatchOptions) -> Order;
}

/// A registered record source whatever its record type.
trait RecordKind<S>: Send + Sync {
    fn event_source(&self) -> &'static str;
    fn reader<'e>(&'e self, room: usize) -> Box<dyn KindReader<'e, S> + 'e>;
}

/// One batch's records as one kind reads them.
trait KindReader<'e, S>: Send {
    /// The next record starts.
    fn start_record(&mut self);
    /// A key of the current record.
    fn read(&mut self, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError>;
    /// The next record, whole: one call per record rather than per key, once the batch
    /// is known to be this kind's.
    fn read_record(&mut self, record: Value<'_, 'e>) -> Result<(), ReadError>;
    fn handle(self: Box<Self>, event: &'e Bytes, context: Context, state: &'e S) -> SourceFuture<'e>;
}

/// A record source: the handler of its records and how to run them.
pub(crate) struct Batch<S, R> {
    handler: RecordFn<S, R>,
    options: BatchOptions,
}

impl<S, R> Batch<S, R> {
    pub(crate) fn new(handler: RecordFn<S, R>, options: BatchOptions) -> Self {
        Batch { handler, options }
    }
}

impl<S: Send + Sync + 'static, R: Record> RecordKind<S> for Batch<S, R> {
    fn event_source(&self) -> &'static str {
        R::EVENT_SOURCE
    }

    fn reader<'e>(&'e self, room: usize) -> Box<dyn KindReader<'e, S> + 'e> {
        Box::new(BatchReader {
            batch: self,
            records: Vec::with_capacity(room),
        })
    }
}

struct BatchReader<'e, S, R: Record> {
    batch: &'e Batch<S, R>,
    records: Vec<R::Fields<'e>>,
}

impl<'e, S: Send + Sync + 'static, R: Record> KindReader<'e, S> for BatchReader<'e, S, R> {
    fn start_record(&mut self) {
        self.records.push(R::Fields::default());
    }

    fn read(&mut self, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        match self.records.last_mut() {
            Some(record) => R::read(record, key, value),
            None => Ok(()),
        }
    }

    fn read_record(&mut self, record: Value<'_, 'e>) -> Result<(), ReadError> {
        self.records.push(R::Fields::default());
        let fields = self.records.last_mut().expect("a record was just added");
        // An element that is no object stays a record of no fields: it cannot be
        // identified.
        record.entries(|key, value| match key.as_str() {
            // Every kind's records name their source (the family read the first one's):
            // one of another type fails the record.
            "eventSource" | "EventSource" => {
                value.text_field()?.check("eventSource", R::malformed(fields));
                Ok(())
            }
            key => R::read(fields, key, value),
        })?;
        Ok(())
    }

    fn handle(self: Box<Self>, event: &'e Bytes, context: Context, state: &'e S) -> SourceFuture<'e> {
        let BatchReader { batch, records } = *self;
        Box::pin(async move {
            let only_record = records.len() == 1;
            // Every record is made before any runs: a record that cannot be identified
            // fails the batch before a handler has done anything.
            let mut pending = Vec::with_capacity(records.len());
            for (index, fields) in records.into_iter().enumerate() {
                pending.push(make_record::<R>(event, fields, index)?);
            }
            if R::PARTIAL {
                let order = R::order(&pending, &batch.options);
                return batch::process(
                    event,
                    pending,
                    order,
                    &batch.options,
                    &batch.handler,
                    &context,
                    state,
                )
                .await
                .map(Answer::from);
            }
            each(event, pending, only_record, &batch.handler, &context, state)
                .await
                .map(Answer::from)
        })
    }
}

/// Makes one record; a record with a field of the wrong type fails alone, naming it.
fn make_record<R: Record>(
    event: &Bytes,
    mut fields: R::Fields<'_>,
    index: usize,
) -> Result<Pending<R>, Error> {
    let malformed = *R::malformed(&mut fields);
    let mut pending = R::make(event, fields, index)?;
    if let (Some(field), Ok(_)) = (malformed, &pending.payload) {
        pending.payload = Err(malformed_record(field, index, R::NAME));
    }
    Ok(pending)
}

/// The error of a record whose field at `field` has the wrong type.
fn malformed_record(field: &str, index: usize, target: &str) -> Error {
    Error::Decode {
        target: target.to_owned(),
        path: format!("Records[{index}].{field}"),
        source: serde::de::Error::custom("the value is not of the type this field has"),
    }
}

/// The records of a source whose caller takes no partial response (SNS, S3): each in
/// turn; any failure fails the invocation with the first failure's error, so the caller
/// retries the event.
async fn each<S, R>(
    event: &Bytes,
    pending: Vec<Pending<R>>,
    only_record: bool,
    handler: &RecordFn<S, R>,
    context: &Context,
    state: &S,
) -> Result<Box<serde_json::value::RawValue>, Error> {
    // An event of one record (an SNS notification, most S3 notifications): the
    // invocation is the record's span.
    let span = if only_record {
        RecordSpan::Invocation
    } else {
        RecordSpan::Own
    };
    let mut first_error = None;
    for Pending { id, payload, .. } in pending {
        if let Err(error) = run_record(id.get(event), payload, handler, context, state, span).await {
            first_error.get_or_insert(error);
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(guard::null()),
    }
}

/// The record sources an app registers, behind the one reader of `Records`.
pub(crate) struct Records<S> {
    kinds: Vec<Box<dyn RecordKind<S>>>,
    names: Vec<&'static str>,
    /// Each record key some kind reads, with the kinds that read it.
    keys: KeyTable,
}

impl<S> Default for Records<S> {
    fn default() -> Self {
        Records {
            kinds: Vec::new(),
            names: Vec::new(),
            keys: KeyTable::default(),
        }
    }
}

impl<S: Send + Sync + 'static> Records<S> {
    /// Adds the record source of `R`.
    ///
    /// # Panics
    ///
    /// When a source of the same records is already registered: one function has one
    /// handler per record source.
    pub(crate) fn add<R: Record>(&mut self, batch: Batch<S, R>) {
        assert!(
            !self
                .kinds
                .iter()
                .any(|kind| kind.event_source() == R::EVENT_SOURCE),
            "a handler of `{}` records is already registered (one per function: tell them apart inside it)",
            R::EVENT_SOURCE
        );
        self.keys.add(self.kinds.len(), R::KEYS);
        self.names.push(R::SOURCE);
        self.kinds.push(Box::new(batch));
    }
}

impl<S: Send + Sync + 'static> Source<S> for Records<S> {
    fn names(&self) -> &[&'static str] {
        &self.names
    }

    fn keys(&self) -> &'static [&'static str] {
        &["Records"]
    }

    fn reader<'e>(&'e self, event: &'e [u8]) -> Box<dyn EventReader<'e, S> + 'e> {
        Box::new(RecordsReader {
            records: self,
            // Room for as many records as a batch of this size may hold (the smallest
            // records are a few hundred bytes): the records are then read in place,
            // without a vector that grows and copies every record read so far.
            room: (event.len() / 1024 + 1).min(MAX_RECORDS_ROOM),
            batch: None,
        })
    }
}

/// Lambda's largest batches (Kinesis, DynamoDB Streams, SQS with a batching window).
const MAX_RECORDS_ROOM: usize = 10_000;

struct RecordsReader<'e, S> {
    records: &'e Records<S>,
    room: usize,
    /// The last `Records` array read.
    batch: Option<BatchRead<'e, S>>,
}

/// What the pass found in a `Records` array.
struct BatchRead<'e, S> {
    count: usize,
    /// The first record's `eventSource`.
    event_source: Option<Text<'e>>,
    /// Before the first record ends, a reader per kind that read one of its keys; then
    /// the one its `eventSource` names, if it is registered.
    readers: Vec<Option<Box<dyn KindReader<'e, S> + 'e>>>,
    owner: Option<usize>,
}

impl<'e, S: Send + Sync + 'static> BatchRead<'e, S> {
    fn reader(
        &mut self,
        records: &'e Records<S>,
        room: usize,
        kind: usize,
    ) -> &mut (dyn KindReader<'e, S> + 'e) {
        self.readers[kind]
            .get_or_insert_with(|| {
                let mut reader = records.kinds[kind].reader(room);
                reader.start_record();
                reader
            })
            .as_mut()
    }

    /// One key of the first record: to each kind that reads it.
    fn first_record_key(
        &mut self,
        records: &'e Records<S>,
        room: usize,
        key: &str,
        value: Value<'_, 'e>,
    ) -> Result<(), ReadError> {
        if matches!(key, "eventSource" | "EventSource") {
            self.event_source = value.text_field()?.value();
            return Ok(());
        }
        match records.keys.readers_of(key) {
            [] => Ok(()),
            &[only] => self.reader(records, room, only).read(key, value),
            several => {
                let raw = value.raw()?;
                for &kind in several {
                    offer_raw(raw, |value: Value<'_, 'e>| {
                        self.reader(records, room, kind).read(key, value)
                    })?;
                }
                Ok(())
            }
        }
    }

    /// After the first record: the batch is the source's its `eventSource` names.
    fn choose_owner(&mut self, records: &'e Records<S>, room: usize) {
        let named = self.event_source.as_ref().map(Text::as_str);
        self.owner = records
            .kinds
            .iter()
            .position(|kind| Some(kind.event_source()) == named);
        for (kind, reader) in self.readers.iter_mut().enumerate() {
            if Some(kind) != self.owner {
                *reader = None;
            }
        }
        if let Some(owner) = self.owner {
            self.reader(records, room, owner);
        }
    }
}

impl<'e, S: Send + Sync + 'static> EventReader<'e, S> for RecordsReader<'e, S> {
    fn read(&mut self, _key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        let (records, room) = (self.records, self.room);
        let mut batch = BatchRead {
            count: 0,
            event_source: None,
            readers: (0..records.kinds.len()).map(|_| None).collect(),
            owner: None,
        };
        let is_array = value.array(|element| {
            let index = batch.count;
            batch.count += 1;
            if index == 0 {
                element.object(|key, value| batch.first_record_key(records, room, key, value))?;
                batch.choose_owner(records, room);
                return Ok(());
            }
            let Some(owner) = batch.owner else {
                // No registered source takes this batch: the rest is only counted.
                return Ok(());
            };
            batch.reader(records, room, owner).read_record(element)
        })?;
        // `Records` that is not an array belongs to some other event.
        self.batch = (is_array == Field::Value(())).then_some(batch);
        Ok(())
    }

    fn claims(&mut self) -> bool {
        self.batch.as_ref().is_some_and(|batch| batch.owner.is_some())
    }

    fn near_miss(&self) -> Option<String> {
        let batch = self.batch.as_ref()?;
        Some(match (batch.count, &batch.event_source) {
            (0, _) => "an empty batch of records".to_owned(),
            (count, Some(source)) => format!("a batch of {count} `{}` records", source.as_str()),
            (count, None) => format!("a batch of {count} records of no known source"),
        })
    }

    fn handle(self: Box<Self>, event: &'e Bytes, context: Context, state: &'e S) -> SourceFuture<'e> {
        let reader = self
            .batch
            .and_then(|batch| {
                let owner = batch.owner?;
                batch.readers.into_iter().nth(owner).flatten()
            })
            .expect("a claimed batch has its source's reader");
        reader.handle(event, context, state)
    }
}

#[cfg(test)]
mod tests {
    use crate::{kinesis::KinesisRecord, sqs::SqsRecord, App, Context};

    /// A function of two record sources whose handlers fail records named `fail`.
    fn two_sources() -> crate::Function {
        async fn sqs(record: SqsRecord) -> Result<(), crate::BoxError> {
            match record.body() {
                "fail" => Err("planned".into()),
                _ => Ok(()),
            }
        }
        async fn kinesis(_record: KinesisRecord) {}
        App::new(()).kinesis(kinesis).sqs(sqs).into_function()
    }

    async fn call(function: &crate::Function, event: &str) -> Result<String, crate::Error> {
        let answer = function.call(event.to_owned().into(), Context::default()).await?;
        Ok(answer.get().to_owned())
    }

    #[tokio::test]
    async fn the_first_record_names_the_source_whatever_its_keys_order() {
        let function = two_sources();
        // Keys both sources read come first; `eventSource` last.
        let event = r#"{"Records":[
            {"awsRegion":"eu-central-1","eventSourceARN":"arn:q","messageId":"m-1","body":"ok","eventSource":"aws:sqs"},
            {"messageId":"m-2","body":"fail","eventSource":"aws:sqs","awsRegion":"eu-central-1"},
            {"eventSource":"aws:sqs","body":"ok","messageId":"m-3"}]}"#;
        let answer = call(&function, event).await.unwrap();
        assert_eq!(answer, r#"{"batchItemFailures":[{"itemIdentifier":"m-2"}]}"#);
    }

    #[tokio::test]
    async fn batches_no_source_takes_are_described() {
        let function = two_sources();
        for (event, described) in [
            (
                r#"{"Records":[{"eventSource":"aws:ses"},{"x":1}]}"#,
                "a batch of 2 `aws:ses` records",
            ),
            (r#"{"Records":[]}"#, "an empty batch of records"),
            (
                r#"{"Records":[{"messageId":"m"}]}"#,
                "a batch of 1 records of no known source",
            ),
        ] {
            let error = call(&function, event).await.unwrap_err();
            assert_eq!(error.error_type(), "Lambdo.UnsupportedEvent");
            assert!(error.to_string().contains(described), "{error}");
        }
        // `Records` that is not an array is some other event's.
        let error = call(&function, r#"{"Records":{"eventSource":"aws:sqs"}}"#)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("a JSON object with keys [Records]"),
            "{error}"
        );
    }

    #[test]
    #[should_panic(expected = "a handler of `aws:sqs` records is already registered")]
    fn one_handler_per_record_source() {
        async fn sqs(_record: SqsRecord) {}
        let _ = App::new(()).sqs(sqs).sqs(sqs);
    }
}
