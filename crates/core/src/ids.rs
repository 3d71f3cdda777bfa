//! Identifier newtypes. All are small integers so the router can index them cheaply;
//! the store hands them out (database primary keys), the edges mint interaction ids.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl From<u64> for $name {
            fn from(v: u64) -> Self {
                Self(v)
            }
        }
    };
}

id_type!(
    /// A tenant: the unit of isolation. Nothing crosses tenants.
    TenantId, "t"
);
id_type!(
    /// A queue within a tenant.
    QueueId, "q"
);
id_type!(
    /// An agent within a tenant.
    AgentId, "a"
);
id_type!(
    /// One customer contact (call, chat or callback) from arrival to end.
    InteractionId, "i"
);
id_type!(
    /// One offer of an interaction to one agent (one leg of a ringall fork).
    OfferId, "o"
);
