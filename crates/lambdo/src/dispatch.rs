//! The dispatcher: the registered sources, the one pass over each event that offers
//! every key to the sources that read it, and the choice of the source that handles
//! the event (see [`crate::source`]).

use std::{any::Any, borrow::Cow, fmt, sync::Arc};

use bytes::Bytes;
use serde::{
    de::{self, IgnoredAny, MapAccess, Visitor},
    Deserialize, Deserializer,
};
use serde_json::value::RawValue;

use crate::{
    handler::BoxFuture,
    invoke::InvokeSource,
    source::{offer_raw, Answer, EventReader, KeyTable, Offer, ReadError, Source, Value},
    text::Text,
    Context, Error,
};

/// A source as the registry keeps it while the app is built: findable by type, so
/// that registrations of one kind (EventBridge routes, record sources) add to it.
pub(crate) trait Registered<S>: Source<S> {
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn into_source(self: Box<Self>) -> Box<dyn Source<S>>;
}

impl<S, T: Source<S>> Registered<S> for T {
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn into_source(self: Box<Self>) -> Box<dyn Source<S>> {
        self
    }
}

/// The sources an app registers, in order, with its state.
pub(crate) struct Registry<S> {
    pub(crate) state: S,
    sources: Vec<Box<dyn Registered<S>>>,
    pub(crate) invoke: Option<InvokeSource<S>>,
}

impl<S: Send + Sync + 'static> Registry<S> {
    pub(crate) fn new(state: S) -> Self {
        Registry {
            state,
            sources: Vec::new(),
            invoke: None,
        }
    }

    /// Registers `source` after those already registered.
    pub(crate) fn add<T: Source<S>>(&mut self, source: T) {
        self.sources.push(Box::new(source));
    }

    /// The registered source of type `T`, registered now (made by `make`) if there is
    /// none yet: for sources that take several registrations.
    pub(crate) fn one_of<T: Source<S>>(&mut self, make: impl FnOnce() -> T) -> &mut T {
        let found = self
            .sources
            .iter_mut()
            .position(|source| source.as_any_mut().is::<T>());
        let index = match found {
            Some(index) => index,
            None => {
                self.sources.push(Box::new(make()));
                self.sources.len() - 1
            }
        };
        self.sources[index]
            .as_any_mut()
            .downcast_mut()
            .expect("the source found is a T")
    }

    /// The registered source of type `T`, if there is one.
    pub(crate) fn find<T: Source<S>>(&mut self) -> Option<&mut T> {
        self.sources
            .iter_mut()
            .find_map(|source| source.as_any_mut().downcast_mut())
    }

    /// The dispatcher of these sources.
    pub(crate) fn into_dispatcher(self) -> Dispatcher<S> {
        let sources: Vec<Box<dyn Source<S>>> =
            self.sources.into_iter().map(Registered::into_source).collect();
        let mut keys = KeyTable::default();
        for (index, source) in sources.iter().enumerate() {
            keys.add(index, source.keys());
        }
        Dispatcher {
            state: self.state,
            sources,
            keys,
            invoke: self.invoke,
        }
    }
}

/// The registered sources, ready for events.
pub(crate) struct Dispatcher<S> {
    state: S,
    sources: Vec<Box<dyn Source<S>>>,
    /// Each key some source reads, with the sources that read it.
    keys: KeyTable,
    invoke: Option<InvokeSource<S>>,
}

/// A [`Dispatcher`] whatever its state's type: what a [`Function`](crate::Function)
/// holds.
pub(crate) trait Dispatch: Send + Sync {
    fn call(self: Arc<Self>, event: Bytes, context: Context) -> BoxFuture<Result<Answer, Error>>;
    fn sources(&self) -> Vec<&'static str>;
}

impl<S: Send + Sync + 'static> Dispatch for Dispatcher<S> {
    fn call(self: Arc<Self>, event: Bytes, context: Context) -> BoxFuture<Result<Answer, Error>> {
        Box::pin(async move {
            if self.sources.is_empty() {
                // An invoke-only function takes every event: no need to read it.
                if let Some(invoke) = &self.invoke {
                    return invoke.call(event, &context, &self.state).await.map(Answer::from);
                }
            }
            let mut readers = self.read(&event)?;
            if let Some(claimant) = readers.iter_mut().flatten().position(|reader| reader.claims()) {
                let reader = readers
                    .into_iter()
                    .flatten()
                    .nth(claimant)
                    .expect("the claimant is there");
                return reader.handle(&event, context, &self.state).await;
            }
            let Some(invoke) = &self.invoke else {
                return Err(Error::unsupported_event(
                    describe(&event, &readers),
                    self.sources(),
                ));
            };
            // Not kept across the call: this future stays small.
            drop(readers);
            invoke
                .call(event.clone(), &context, &self.state)
                .await
                .map(Answer::from)
        })
    }

    fn sources(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .sources
            .iter()
            .flat_map(|source| source.names())
            .copied()
            .collect();
        if self.invoke.is_some() {
            names.push("invoke");
        }
        names
    }
}

/// The readers of one event, by source (none for a source that read nothing).
type Readers<'e, S> = Vec<Option<Box<dyn EventReader<'e, S> + 'e>>>;

impl<S: Send + Sync + 'static> Dispatcher<S> {
    /// The one pass over `event`: every key offered to the sources that read it.
    fn read<'e>(&'e self, event: &'e [u8]) -> Result<Readers<'e, S>, Error> {
        // One UTF-8 check of the whole event, so that the parse need not check each
        // string it borrows (JSON is UTF-8: other bytes are not JSON).
        let Ok(text) = std::str::from_utf8(event) else {
            let error = serde_json::from_slice::<IgnoredAny>(event)
                .err()
                .unwrap_or_else(|| de::Error::custom("the event is not UTF-8"));
            return Err(Error::InvalidJson(error));
        };
        let mut readers: Readers<'e, S> = Vec::new();
        let mut de = serde_json::Deserializer::from_str(text);
        let pass = de.deserialize_any(Pass {
            dispatcher: self,
            event,
            readers: &mut readers,
        });
        match pass {
            Ok(()) => {}
            // A number beyond `f64`'s range (`1e999`) is JSON, but serde_json stops
            // at it, mid-number: no source can read the event then, which goes
            // unclaimed (to the invoke handler, unchanged). Only the error's text tells
            // it apart, read on this error path alone.
            Err(error) if error.to_string().starts_with("number out of range") => {
                // Skipping numbers checks their grammar, not their range.
                return match serde_json::from_str::<IgnoredAny>(text) {
                    Ok(_) => Ok(Vec::new()),
                    Err(error) => Err(Error::InvalidJson(error)),
                };
            }
            Err(error) => return Err(Error::InvalidJson(error)),
        }
        de.end().map_err(Error::InvalidJson)?;
        Ok(readers)
    }
}

/// The top level of an event: each key's value offered to its sources.
struct Pass<'p, 'e, S> {
    dispatcher: &'e Dispatcher<S>,
    event: &'e [u8],
    readers: &'p mut Readers<'e, S>,
}

impl<'e, S: Send + Sync + 'static> Pass<'_, 'e, S> {
    /// Source `index`'s reader of this event, made now if it has none yet.
    fn reader(&mut self, index: usize) -> &mut (dyn EventReader<'e, S> + 'e) {
        if self.readers.len() <= index {
            self.readers.resize_with(self.dispatcher.sources.len(), || None);
        }
        let (sources, event) = (&self.dispatcher.sources, self.event);
        self.readers[index]
            .get_or_insert_with(|| sources[index].reader(event))
            .as_mut()
    }
}

impl<'e, S: Send + Sync + 'static> Visitor<'e> for Pass<'_, 'e, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON event")
    }

    fn visit_map<A: MapAccess<'e>>(mut self, mut map: A) -> Result<(), A::Error> {
        let dispatcher = self.dispatcher;
        while let Some(key) = map.next_key::<Text<'e>>()? {
            let key = key.as_str();
            match dispatcher.keys.readers_of(key) {
                [] => {
                    map.next_value::<IgnoredAny>()?;
                }
                &[only] => {
                    let reader = self.reader(only);
                    map.next_value_seed(Offer(|value: Value<'_, 'e>| reader.read(key, value)))?;
                }
                several => {
                    let raw: &'e RawValue = map.next_value()?;
                    for &index in several {
                        offer_raw(raw, |value: Value<'_, 'e>| self.reader(index).read(key, value))
                            .map_err(ReadError::into_de)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: de::SeqAccess<'e>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    scalars_answer!(());
}

/// What arrived, for the error of an event that no source takes: what a source that
/// nearly took it says, else the kind of JSON value and an object's first keys.
fn describe<S>(event: &[u8], readers: &Readers<'_, S>) -> String {
    if let Some(near_miss) = readers.iter().flatten().find_map(|reader| reader.near_miss()) {
        return near_miss;
    }
    match serde_json::from_slice::<Shape>(event) {
        Ok(Shape::Object(keys)) if keys.is_empty() => "an empty JSON object".to_owned(),
        Ok(Shape::Object(keys)) => {
            let more = if keys.len() == MAX_KEYS_DESCRIBED {
                ", …"
            } else {
                ""
            };
            format!("a JSON object with keys [{}{more}]", keys.join(", "))
        }
        Ok(Shape::Other(kind)) => format!("a JSON {kind}"),
        Err(_) => "an event".to_owned(),
    }
}

const MAX_KEYS_DESCRIBED: usize = 8;

/// The kind of JSON value an event is, and an object's first keys.
enum Shape {
    Object(Vec<String>),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ShapeVisitor;

        impl<'de> Visitor<'de> for ShapeVisitor {
            type Value = Shape;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
                let mut keys = Vec::new();
                while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                    map.next_value::<IgnoredAny>()?;
                    if keys.len() < MAX_KEYS_DESCRIBED {
                        keys.push(Cow::into_owned(key));
                    }
                }
                Ok(Shape::Object(keys))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Shape::Other("array"))
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
                Ok(Shape::Other("string"))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
                Ok(Shape::Other("null"))
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
                Ok(Shape::Other("boolean"))
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
                Ok(Shape::Other("number"))
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
                Ok(Shape::Other("number"))
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
                Ok(Shape::Other("number"))
            }
        }

        deserializer.deserialize_any(ShapeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        source::{Bytes, EventReader, ReadError, Source, SourceFuture, Value},
        App, Context, Function,
    };

    /// Claims events whose `kind` is its own, and answers its name and what it read.
    struct Named(&'static [&'static str], &'static str);

    struct Reading {
        name: &'static str,
        wanted: &'static str,
        kind: Option<String>,
    }

    impl Source<()> for Named {
        fn names(&self) -> &[&'static str] {
            self.0
        }

        fn keys(&self) -> &'static [&'static str] {
            &["kind"]
        }

        fn reader<'e>(&'e self, _event: &'e [u8]) -> Box<dyn EventReader<'e, ()> + 'e> {
            Box::new(Reading {
                name: self.0[0],
                wanted: self.1,
                kind: None,
            })
        }
    }

    impl<'e> EventReader<'e, ()> for Reading {
        fn read(&mut self, _key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
            self.kind = value.text()?.value().map(|kind| kind.into_owned());
            Ok(())
        }

        fn claims(&mut self) -> bool {
            self.kind.as_deref() == Some(self.wanted) || self.wanted == "*"
        }

        fn handle(self: Box<Self>, _event: &'e Bytes, _context: Context, _state: &'e ()) -> SourceFuture<'e> {
            let answer = format!("\"{} {}\"", self.name, self.kind.unwrap_or_default());
            Box::pin(async move { Ok(serde_json::value::RawValue::from_string(answer).unwrap().into()) })
        }
    }

    async fn call(function: &Function, event: &'static str) -> String {
        match function
            .call(Bytes::from_static(event.as_bytes()), Context::default())
            .await
        {
            Ok(answer) => answer.get().to_owned(),
            Err(error) => error.error_type().to_owned(),
        }
    }

    #[tokio::test]
    async fn a_key_several_sources_read_reaches_each_and_the_first_registered_claimant_wins() {
        let function = App::new(())
            .source(Named(&["orders"], "order"))
            .source(Named(&["anything"], "*"))
            .source(Named(&["late"], "order"))
            .into_function();
        assert_eq!(call(&function, r#"{"kind":"order"}"#).await, r#""orders order""#);
        assert_eq!(
            call(&function, r#"{"kind":"refund","x":[1]}"#).await,
            r#""anything refund""#
        );
        assert_eq!(function.sources(), ["orders", "anything", "late"]);
    }

    #[tokio::test]
    async fn only_what_is_not_json_stops_the_pass() {
        let function = App::new(()).source(Named(&["orders"], "order")).into_function();
        assert_eq!(
            call(&function, r#"{"kind":{"deep":[1,"x"]}}"#).await,
            "Lambdo.UnsupportedEvent"
        );
        assert_eq!(call(&function, r#"{"kind":"order""#).await, "Lambdo.InvalidEvent");
        assert_eq!(
            call(&function, r#"{"kind":"order"} {}"#).await,
            "Lambdo.InvalidEvent"
        );
        assert_eq!(
            call(&function, r#"[{"kind":"order"}]"#).await,
            "Lambdo.UnsupportedEvent"
        );
    }
}
