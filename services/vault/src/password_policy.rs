//! Password policies of stored privileged accounts, as in Password Manager Pro's
//! "Admin > Customize > Password Policies": the built-in low, medium and strong policies and
//! custom ones, and whether a password satisfies a policy (`password_generator` makes
//! passwords that always do).
//!
//! Pure: no I/O. The character classes are ASCII: lowercase `a`–`z`, uppercase `A`–`Z`,
//! digits `0`–`9` and the specials (printable ASCII punctuation). Other characters a user types (a space, `é`) count
//! toward a password's length but toward no class, and are not letters for
//! `must_start_with_letter`. Generated passwords use only printable ASCII without the space.

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// The special characters: printable ASCII punctuation, `!` through `~` less letters and
/// digits (32 characters).
#[cfg(test)]
pub const SPECIALS: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The names of the built-in policies, weakest first.
pub const BUILT_IN: [&str; 3] = ["low", "medium", "strong"];

/// The longest policy name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The largest `max_length` a policy may set: the vault stores passwords of at most 4096
/// bytes (generated passwords are ASCII, one byte a character). A typed password of
/// non-ASCII characters may be shorter in characters and still over the vault's byte
/// limit; the vault checks that itself.
pub const MAX_LENGTH_LIMIT: u32 = 4096;

/// The most previous passwords a policy may forbid reusing.
pub const MAX_REUSE_FORBIDDEN: u32 = 24;

/// The generator makes passwords of at least this many characters when the policy's
/// `max_length` allows (see [`PasswordPolicy::generate`]).
pub const DEFAULT_GENERATED_LENGTH: u32 = 16;

/// How many characters longer than its shortest length a generated password may be.
pub const GENERATED_LENGTH_SPREAD: u32 = 4;

/// The characters the generator may use: printable ASCII without the space.
pub(crate) fn printable() -> RangeInclusive<u8> {
    b'!'..=b'~'
}

/// A class of characters a policy may require a minimum of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharClass {
    Lowercase,
    Uppercase,
    Digit,
    Special,
}

impl CharClass {
    pub const ALL: [CharClass; 4] = [
        CharClass::Lowercase,
        CharClass::Uppercase,
        CharClass::Digit,
        CharClass::Special,
    ];

    /// Whether `c` belongs to this class.
    pub fn contains(self, c: char) -> bool {
        match self {
            CharClass::Lowercase => c.is_ascii_lowercase(),
            CharClass::Uppercase => c.is_ascii_uppercase(),
            CharClass::Digit => c.is_ascii_digit(),
            // exactly the characters of SPECIALS
            CharClass::Special => c.is_ascii_punctuation(),
        }
    }
}

impl fmt::Display for CharClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CharClass::Lowercase => "lowercase letters",
            CharClass::Uppercase => "uppercase letters",
            CharClass::Digit => "digits",
            CharClass::Special => "special characters",
        })
    }
}

/// The rules a stored account's password must follow.
///
/// Deserializing does not validate: call [`PasswordPolicy::validate`] on a policy read from
/// a user before storing or using it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub name: String,
    /// The fewest characters (not bytes).
    pub min_length: u32,
    /// The most characters (not bytes).
    pub max_length: u32,
    pub min_lowercase: u32,
    pub min_uppercase: u32,
    pub min_digits: u32,
    /// The fewest specials (printable ASCII punctuation).
    pub min_specials: u32,
    /// The first character must be an ASCII letter.
    pub must_start_with_letter: bool,
    /// Characters that may not appear in the password; any characters may be listed.
    pub forbidden_characters: String,
    /// A new password may not equal any of the last this many.
    pub reuse_forbidden: u32,
    /// The password should be changed after this many days (for reports and rotation).
    pub max_age_days: Option<u32>,
}

/// Why a policy cannot be stored or used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy needs a name")]
    EmptyName,
    #[error("the policy's name has {chars} characters; at most {MAX_NAME_CHARS} are allowed")]
    NameTooLong { chars: usize },
    #[error("the minimum length must be at least 1")]
    MinLengthZero,
    #[error("the maximum length ({max}) is below the minimum length ({min})")]
    MaxBelowMin { min: u32, max: u32 },
    #[error("the maximum length ({max}) is over the vault's limit of {MAX_LENGTH_LIMIT}")]
    MaxLengthOverLimit { max: u32 },
    /// The minimums of the classes (and a first letter, if one is required and no letter
    /// minimum gives one) add up to more than `max_length`.
    #[error("the policy requires {required} characters but allows at most {max}")]
    RequiredOverMaxLength { required: u64, max: u32 },
    #[error("the policy forbids every printable ASCII character")]
    EverythingForbidden,
    #[error("the policy requires {class} but forbids every one of them")]
    ClassForbidden { class: CharClass },
    #[error("the policy requires a first letter but forbids every letter")]
    LettersForbidden,
    #[error(
        "the policy may forbid reusing at most the last {MAX_REUSE_FORBIDDEN} passwords, not {reuse}"
    )]
    ReuseOverLimit { reuse: u32 },
    #[error("the maximum age must be at least 1 day")]
    MaxAgeZero,
}

/// The first rule of a policy a password breaks. It never holds nor shows any password.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    #[error("the password must have at least {min} {} (rule min_length)", noun(.min, "character", "characters"))]
    TooShort { min: u32 },
    #[error("the password must have at most {max} {} (rule max_length)", noun(.max, "character", "characters"))]
    TooLong { max: u32 },
    #[error("the password must have at least {min} {} (rule min_lowercase)", noun(.min, "lowercase letter", "lowercase letters"))]
    TooFewLowercase { min: u32 },
    #[error("the password must have at least {min} {} (rule min_uppercase)", noun(.min, "uppercase letter", "uppercase letters"))]
    TooFewUppercase { min: u32 },
    #[error("the password must have at least {min} {} (rule min_digits)", noun(.min, "digit", "digits"))]
    TooFewDigits { min: u32 },
    #[error("the password must have at least {min} {} (punctuation such as # or %) (rule min_specials)", noun(.min, "special character", "special characters"))]
    TooFewSpecials { min: u32 },
    #[error("the password must start with a letter (rule must_start_with_letter)")]
    MustStartWithLetter,
    #[error("the password has a character the policy forbids (rule forbidden_characters)")]
    ForbiddenCharacter,
    #[error("the password must not be {} (rule reuse)", last_passwords(.last))]
    Reused { last: u32 },
}

fn noun<'a>(n: &u32, one: &'a str, many: &'a str) -> &'a str {
    if *n == 1 { one } else { many }
}

fn last_passwords(n: &u32) -> String {
    if *n == 1 {
        "the last password".to_string()
    } else {
        format!("one of the last {n} passwords")
    }
}

impl PolicyViolation {
    /// The rule broken, as a stable code: the name of the policy's field.
    pub fn rule(&self) -> &'static str {
        match self {
            PolicyViolation::TooShort { .. } => "min_length",
            PolicyViolation::TooLong { .. } => "max_length",
            PolicyViolation::TooFewLowercase { .. } => "min_lowercase",
            PolicyViolation::TooFewUppercase { .. } => "min_uppercase",
            PolicyViolation::TooFewDigits { .. } => "min_digits",
            PolicyViolation::TooFewSpecials { .. } => "min_specials",
            PolicyViolation::MustStartWithLetter => "must_start_with_letter",
            PolicyViolation::ForbiddenCharacter => "forbidden_characters",
            PolicyViolation::Reused { .. } => "reuse",
        }
    }
}

impl PasswordPolicy {
    /// The built-in `low` policy: 4 to 64 characters, nothing else required, reuse allowed,
    /// no maximum age.
    pub fn low() -> Self {
        Self {
            name: "low".to_string(),
            min_length: 4,
            max_length: 64,
            min_lowercase: 0,
            min_uppercase: 0,
            min_digits: 0,
            min_specials: 0,
            must_start_with_letter: false,
            forbidden_characters: String::new(),
            reuse_forbidden: 0,
            max_age_days: None,
        }
    }

    /// The built-in `medium` policy: 8 to 64 characters with at least 1 lowercase letter,
    /// 1 uppercase letter and 1 digit, starting with a letter; reuse allowed, no maximum age.
    pub fn medium() -> Self {
        Self {
            name: "medium".to_string(),
            min_length: 8,
            min_lowercase: 1,
            min_uppercase: 1,
            min_digits: 1,
            must_start_with_letter: true,
            ..Self::low()
        }
    }

    /// The built-in `strong` policy: 12 to 64 characters with at least 1 lowercase letter,
    /// 1 uppercase letter, 1 digit and 1 special character, starting with a letter; none of
    /// the last 3 passwords again; to be changed after 90 days.
    pub fn strong() -> Self {
        Self {
            name: "strong".to_string(),
            min_length: 12,
            min_specials: 1,
            reuse_forbidden: 3,
            max_age_days: Some(90),
            ..Self::medium()
        }
    }

    /// The built-in policy of that name (one of [`BUILT_IN`]).
    pub fn built_in(name: &str) -> Option<Self> {
        match name {
            "low" => Some(Self::low()),
            "medium" => Some(Self::medium()),
            "strong" => Some(Self::strong()),
            _ => None,
        }
    }

    /// Refuses a malformed policy or one no password can satisfy, naming the reason.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.name.trim().is_empty() {
            return Err(PolicyError::EmptyName);
        }
        let chars = self.name.chars().count();
        if chars > MAX_NAME_CHARS {
            return Err(PolicyError::NameTooLong { chars });
        }
        if self.min_length < 1 {
            return Err(PolicyError::MinLengthZero);
        }
        if self.max_length < self.min_length {
            return Err(PolicyError::MaxBelowMin {
                min: self.min_length,
                max: self.max_length,
            });
        }
        if self.max_length > MAX_LENGTH_LIMIT {
            return Err(PolicyError::MaxLengthOverLimit {
                max: self.max_length,
            });
        }
        let required = self.required_chars();
        if required > u64::from(self.max_length) {
            return Err(PolicyError::RequiredOverMaxLength {
                required,
                max: self.max_length,
            });
        }
        if !printable().any(|b| self.allows(b)) {
            return Err(PolicyError::EverythingForbidden);
        }
        for class in CharClass::ALL {
            if self.minimum(class) > 0 && self.allowed(class).is_empty() {
                return Err(PolicyError::ClassForbidden { class });
            }
        }
        if self.must_start_with_letter && self.allowed_letters().is_empty() {
            return Err(PolicyError::LettersForbidden);
        }
        if self.reuse_forbidden > MAX_REUSE_FORBIDDEN {
            return Err(PolicyError::ReuseOverLimit {
                reuse: self.reuse_forbidden,
            });
        }
        if self.max_age_days == Some(0) {
            return Err(PolicyError::MaxAgeZero);
        }
        Ok(())
    }

    /// The first rule `password` breaks, in the order of [`PolicyViolation`]'s variants.
    /// `previous` are the account's last passwords, newest first; only the first
    /// `reuse_forbidden` of them count. Lengths count characters, not bytes.
    pub fn check(&self, password: &str, previous: &[&str]) -> Result<(), PolicyViolation> {
        let length = password.chars().count() as u64;
        if length < u64::from(self.min_length) {
            return Err(PolicyViolation::TooShort {
                min: self.min_length,
            });
        }
        if length > u64::from(self.max_length) {
            return Err(PolicyViolation::TooLong {
                max: self.max_length,
            });
        }
        for class in CharClass::ALL {
            let min = self.minimum(class);
            let count = password.chars().filter(|&c| class.contains(c)).count() as u64;
            if count < u64::from(min) {
                return Err(match class {
                    CharClass::Lowercase => PolicyViolation::TooFewLowercase { min },
                    CharClass::Uppercase => PolicyViolation::TooFewUppercase { min },
                    CharClass::Digit => PolicyViolation::TooFewDigits { min },
                    CharClass::Special => PolicyViolation::TooFewSpecials { min },
                });
            }
        }
        if self.must_start_with_letter
            && !password
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
        {
            return Err(PolicyViolation::MustStartWithLetter);
        }
        if password
            .chars()
            .any(|c| self.forbidden_characters.contains(c))
        {
            return Err(PolicyViolation::ForbiddenCharacter);
        }
        let recent = usize::try_from(self.reuse_forbidden).unwrap_or(usize::MAX);
        if previous.iter().take(recent).any(|p| *p == password) {
            return Err(PolicyViolation::Reused {
                last: self.reuse_forbidden,
            });
        }
        Ok(())
    }

    pub(crate) fn minimum(&self, class: CharClass) -> u32 {
        match class {
            CharClass::Lowercase => self.min_lowercase,
            CharClass::Uppercase => self.min_uppercase,
            CharClass::Digit => self.min_digits,
            CharClass::Special => self.min_specials,
        }
    }

    /// A password must start with a letter but no letter minimum puts one in it.
    pub(crate) fn needs_extra_letter(&self) -> bool {
        self.must_start_with_letter && self.min_lowercase == 0 && self.min_uppercase == 0
    }

    /// The fewest characters a password of this policy has: the classes' minimums, and a
    /// letter to start with if no minimum gives one.
    pub(crate) fn required_chars(&self) -> u64 {
        CharClass::ALL
            .iter()
            .map(|&class| u64::from(self.minimum(class)))
            .sum::<u64>()
            + u64::from(self.needs_extra_letter())
    }

    pub(crate) fn allows(&self, b: u8) -> bool {
        !self.forbidden_characters.contains(char::from(b))
    }

    /// The class's characters the generator may use.
    pub(crate) fn allowed(&self, class: CharClass) -> Vec<u8> {
        printable()
            .filter(|&b| class.contains(char::from(b)) && self.allows(b))
            .collect()
    }

    pub(crate) fn allowed_letters(&self) -> Vec<u8> {
        let mut letters = self.allowed(CharClass::Lowercase);
        letters.extend(self.allowed(CharClass::Uppercase));
        letters
    }
}

#[cfg(test)]
mod tests;
