//! Enums stored as plain strings in the document.
//!
//! The document is a public contract that JavaScript apps read and write, so
//! every enum value is a stable lower-case string (`"village"`), never
//! Rust's variant name, and each carries the Chinese word a cadre reads.
//! One macro defines the enum, its string form, serde, autosurgeon and the
//! list of values the JSON Schema and SCHEMA.md publish.

/// Define an enum whose values are stable strings with a Chinese label:
/// `text_enum!(Name { Variant = "code" "中文", ... })` gives `ALL`,
/// `as_str`, `label`, `parse`, `Display`, `FromStr` and serde. For values
/// stored in the document use [`string_enum!`](crate::string_enum), which adds autosurgeon and
/// the JSON Schema's list; this one is for the server's own names (report
/// names in URLs, audit events in its table).
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal $label:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = $label] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The string stored in the document.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese word for this value.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parse the stored string.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::schema::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or_else(|| $crate::schema::UnknownValue {
                    kind: stringify!($name),
                    value: s.to_string(),
                    allowed: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

    };
}

/// Define a string-valued enum of the document: `string_enum!(Name "doc" { Variant = "code" "中文", ... })`,
/// everything [`text_enum!`](crate::text_enum) gives, plus autosurgeon and the list of values
/// the JSON Schema and SCHEMA.md publish.
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal $label:literal ),+ $(,)? }
    ) => {
        $crate::text_enum! {
            $(#[$meta])*
            $name { $( $(#[$vmeta])* $variant = $code $label ),+ }
        }

        impl autosurgeon::Hydrate for $name {
            fn hydrate_string(s: &'_ str) -> Result<Self, autosurgeon::HydrateError> {
                s.parse().map_err(|e: $crate::schema::UnknownValue| {
                    autosurgeon::HydrateError::unexpected(e.allowed.clone(), s.to_string())
                })
            }

            // Other apps may store the code as a Text object (see `lenient`).
            fn hydrate_text<D: autosurgeon::ReadDoc>(
                doc: &D,
                obj: &automerge::ObjId,
            ) -> Result<Self, autosurgeon::HydrateError> {
                let s = doc.text(obj)?;
                <Self as autosurgeon::Hydrate>::hydrate_string(&s)
            }
        }

        impl autosurgeon::Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: autosurgeon::Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
                r.str(self.as_str())
            }
        }

        impl $crate::schema::EnumValues for $name {
            fn values() -> Vec<(&'static str, &'static str)> {
                Self::ALL.iter().map(|v| (v.as_str(), v.label())).collect()
            }
        }
    };
}
