//! Credentials: JWTs for every kind of client, argon2id password hashes, and the verification
//! of identities signed by a customer's backend.

mod password;
mod tokens;

pub use password::{hash_password, verify_password};
pub use tokens::{Audience, Claims, IdentityClaims, TokenKeys, verify_identity};
