//! Examples live beside this crate as `[[example]]` targets; this library is empty.
