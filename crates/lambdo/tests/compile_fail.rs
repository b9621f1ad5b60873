//! What the compiler says when a handler is written wrong: the messages of lambdo's
//! `#[diagnostic::on_unimplemented]` attributes, pinned (`tests/ui/*.stderr`; after a
//! deliberate change, regenerate them with `TRYBUILD=overwrite cargo test -p lambdo
//! --test compile_fail` and read the diff).

#[test]
fn handler_mistakes_say_what_to_do() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
