//! Password policies of stored privileged accounts, as in Password Manager Pro's
//! "Admin > Customize > Password Policies": the built-in low, medium and strong policies and
//! custom ones; whether a password satisfies a policy; and a generator of passwords that
//! always do.
//!
//! Pure: no I/O. The character classes are ASCII: lowercase `a`–`z`, uppercase `A`–`Z`,
//! digits `0`–`9` and the specials (printable ASCII punctuation). Other characters a user types (a space, `é`) count
//! toward a password's length but toward no class, and are not letters for
//! `must_start_with_letter`. Generated passwords use only printable ASCII without the space.

use std::fmt;
use std::ops::RangeInclusive;

use rand::seq::IndexedRandom;
use rand::{CryptoRng, Rng, RngExt};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

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
fn printable() -> RangeInclusive<u8> {
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

/// Fisher–Yates: every order of `items` equally likely.
fn shuffle<T, R: Rng + ?Sized>(items: &mut [T], rng: &mut R) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
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

    /// A new random password that satisfies the policy (with no previous passwords), or the
    /// error of [`PasswordPolicy::validate`] if the policy is refused.
    ///
    /// Length: uniform over `lo..=hi`, where `lo` is the policy's `min_length`, raised to
    /// [`DEFAULT_GENERATED_LENGTH`] (16) when `max_length` allows and to the required
    /// characters when they are more, and `hi` is `lo` + [`GENERATED_LENGTH_SPREAD`] (4)
    /// but at most `max_length`. So the built-ins give 16 to 20 characters, and a policy
    /// of 30 to 64 gives 30 to 34.
    ///
    /// Characters: each class's minimum drawn from the class's allowed (not forbidden)
    /// characters; if the password must start with a letter and no letter minimum gives one,
    /// one letter from the allowed letters; the rest from every allowed printable ASCII
    /// character but the space. Then a Fisher–Yates shuffle, and with
    /// `must_start_with_letter` the first letter is swapped to the front. No rejection
    /// sampling: it draws exactly one character a position.
    pub fn generate<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<Zeroizing<String>, PolicyError> {
        self.validate()?;
        let length = rng.random_range(self.generated_length());
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        // Its capacity is never outgrown, so no copy of the password is left behind when
        // it grows; it is wiped on drop.
        let mut chars = Zeroizing::new(Vec::<u8>::with_capacity(length));
        for class in CharClass::ALL {
            let allowed = self.allowed(class);
            for _ in 0..self.minimum(class) {
                let c = allowed
                    .choose(rng)
                    .ok_or(PolicyError::ClassForbidden { class })?;
                chars.push(*c);
            }
        }
        if self.needs_extra_letter() {
            let c = self
                .allowed_letters()
                .choose(rng)
                .copied()
                .ok_or(PolicyError::LettersForbidden)?;
            chars.push(c);
        }
        let all: Vec<u8> = printable().filter(|&b| self.allows(b)).collect();
        while chars.len() < length {
            chars.push(*all.choose(rng).ok_or(PolicyError::EverythingForbidden)?);
        }
        shuffle(&mut chars, rng);
        if self.must_start_with_letter
            && let Some(first_letter) = chars.iter().position(u8::is_ascii_alphabetic)
        {
            chars.swap(0, first_letter);
        }
        let mut password = Zeroizing::new(String::with_capacity(chars.len()));
        password.extend(chars.iter().map(|&b| char::from(b)));
        Ok(password)
    }

    /// The lengths [`PasswordPolicy::generate`] chooses from, of a valid policy.
    fn generated_length(&self) -> RangeInclusive<u32> {
        let required = u32::try_from(self.required_chars()).unwrap_or(u32::MAX);
        let lo = self
            .min_length
            .max(required)
            .max(DEFAULT_GENERATED_LENGTH.min(self.max_length))
            .max(1);
        let hi = self
            .max_length
            .min(lo.saturating_add(GENERATED_LENGTH_SPREAD))
            .max(lo);
        lo..=hi
    }

    fn minimum(&self, class: CharClass) -> u32 {
        match class {
            CharClass::Lowercase => self.min_lowercase,
            CharClass::Uppercase => self.min_uppercase,
            CharClass::Digit => self.min_digits,
            CharClass::Special => self.min_specials,
        }
    }

    /// A password must start with a letter but no letter minimum puts one in it.
    fn needs_extra_letter(&self) -> bool {
        self.must_start_with_letter && self.min_lowercase == 0 && self.min_uppercase == 0
    }

    /// The fewest characters a password of this policy has: the classes' minimums, and a
    /// letter to start with if no minimum gives one.
    fn required_chars(&self) -> u64 {
        CharClass::ALL
            .iter()
            .map(|&class| u64::from(self.minimum(class)))
            .sum::<u64>()
            + u64::from(self.needs_extra_letter())
    }

    fn allows(&self, b: u8) -> bool {
        !self.forbidden_characters.contains(char::from(b))
    }

    /// The class's characters the generator may use.
    fn allowed(&self, class: CharClass) -> Vec<u8> {
        printable()
            .filter(|&b| class.contains(char::from(b)) && self.allows(b))
            .collect()
    }

    fn allowed_letters(&self) -> Vec<u8> {
        let mut letters = self.allowed(CharClass::Lowercase);
        letters.extend(self.allowed(CharClass::Uppercase));
        letters
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn policy() -> PasswordPolicy {
        PasswordPolicy {
            name: "custom".to_string(),
            ..PasswordPolicy::low()
        }
    }

    fn violation(policy: &PasswordPolicy, password: &str) -> PolicyViolation {
        match policy.check(password, &[]) {
            Err(v) => v,
            Ok(()) => panic!("{password:?} passed {policy:?}"),
        }
    }

    #[test]
    fn the_specials_are_the_printable_ascii_punctuation() {
        let punctuation: String = (0u8..128)
            .map(char::from)
            .filter(char::is_ascii_punctuation)
            .collect();
        assert_eq!(SPECIALS, punctuation);
        assert_eq!(SPECIALS.len(), 32);
        for c in (0u8..128).map(char::from) {
            assert_eq!(
                CharClass::Special.contains(c),
                SPECIALS.contains(c),
                "{c:?}"
            );
        }
    }

    #[test]
    fn each_built_in_validates_and_has_its_documented_values() {
        for name in BUILT_IN {
            let policy = PasswordPolicy::built_in(name).unwrap();
            assert_eq!(policy.name, name);
            assert_eq!(policy.validate(), Ok(()), "{name}");
        }
        assert_eq!(PasswordPolicy::built_in("custom"), None);

        let low = PasswordPolicy::low();
        assert_eq!((low.min_length, low.max_length), (4, 64));
        assert_eq!(low.required_chars(), 0);
        assert!(!low.must_start_with_letter);
        assert_eq!((low.reuse_forbidden, low.max_age_days), (0, None));

        let medium = PasswordPolicy::medium();
        assert_eq!((medium.min_length, medium.max_length), (8, 64));
        let minimums = |p: &PasswordPolicy| {
            (
                p.min_lowercase,
                p.min_uppercase,
                p.min_digits,
                p.min_specials,
            )
        };
        assert_eq!(minimums(&medium), (1, 1, 1, 0));
        assert!(medium.must_start_with_letter);
        assert_eq!((medium.reuse_forbidden, medium.max_age_days), (0, None));

        let strong = PasswordPolicy::strong();
        assert_eq!((strong.min_length, strong.max_length), (12, 64));
        assert_eq!(minimums(&strong), (1, 1, 1, 1));
        assert!(strong.must_start_with_letter);
        assert_eq!(strong.forbidden_characters, "");
        assert_eq!((strong.reuse_forbidden, strong.max_age_days), (3, Some(90)));
    }

    #[test]
    fn validate_refuses_each_malformed_or_unsatisfiable_policy_naming_the_reason() {
        let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let printable: String = printable().map(char::from).collect();
        let cases: Vec<(PasswordPolicy, PolicyError)> = vec![
            (
                PasswordPolicy {
                    name: String::new(),
                    ..policy()
                },
                PolicyError::EmptyName,
            ),
            (
                PasswordPolicy {
                    name: "  ".to_string(),
                    ..policy()
                },
                PolicyError::EmptyName,
            ),
            (
                PasswordPolicy {
                    name: "é".repeat(101),
                    ..policy()
                },
                PolicyError::NameTooLong { chars: 101 },
            ),
            (
                PasswordPolicy {
                    min_length: 0,
                    ..policy()
                },
                PolicyError::MinLengthZero,
            ),
            (
                PasswordPolicy {
                    min_length: 10,
                    max_length: 9,
                    ..policy()
                },
                PolicyError::MaxBelowMin { min: 10, max: 9 },
            ),
            (
                PasswordPolicy {
                    max_length: 4097,
                    ..policy()
                },
                PolicyError::MaxLengthOverLimit { max: 4097 },
            ),
            (
                PasswordPolicy {
                    max_length: 8,
                    min_lowercase: 2,
                    min_uppercase: 2,
                    min_digits: 2,
                    min_specials: 3,
                    ..policy()
                },
                PolicyError::RequiredOverMaxLength {
                    required: 9,
                    max: 8,
                },
            ),
            (
                // the first letter needs a place of its own beside the 4 digits
                PasswordPolicy {
                    min_length: 4,
                    max_length: 4,
                    min_digits: 4,
                    must_start_with_letter: true,
                    ..policy()
                },
                PolicyError::RequiredOverMaxLength {
                    required: 5,
                    max: 4,
                },
            ),
            (
                PasswordPolicy {
                    max_length: 64,
                    min_digits: u32::MAX,
                    min_specials: u32::MAX,
                    ..policy()
                },
                PolicyError::RequiredOverMaxLength {
                    required: 2 * u64::from(u32::MAX),
                    max: 64,
                },
            ),
            (
                PasswordPolicy {
                    forbidden_characters: printable.clone(),
                    ..policy()
                },
                PolicyError::EverythingForbidden,
            ),
            (
                PasswordPolicy {
                    min_digits: 1,
                    forbidden_characters: "0123456789".to_string(),
                    ..policy()
                },
                PolicyError::ClassForbidden {
                    class: CharClass::Digit,
                },
            ),
            (
                PasswordPolicy {
                    min_lowercase: 1,
                    forbidden_characters: "abcdefghijklmnopqrstuvwxyz".to_string(),
                    ..policy()
                },
                PolicyError::ClassForbidden {
                    class: CharClass::Lowercase,
                },
            ),
            (
                PasswordPolicy {
                    min_uppercase: 1,
                    forbidden_characters: "ABCDEFGHIJKLMNOPQRSTUVWXYZ".to_string(),
                    ..policy()
                },
                PolicyError::ClassForbidden {
                    class: CharClass::Uppercase,
                },
            ),
            (
                PasswordPolicy {
                    min_specials: 1,
                    forbidden_characters: SPECIALS.to_string(),
                    ..policy()
                },
                PolicyError::ClassForbidden {
                    class: CharClass::Special,
                },
            ),
            (
                PasswordPolicy {
                    must_start_with_letter: true,
                    forbidden_characters: letters.to_string(),
                    ..policy()
                },
                PolicyError::LettersForbidden,
            ),
            (
                PasswordPolicy {
                    reuse_forbidden: 25,
                    ..policy()
                },
                PolicyError::ReuseOverLimit { reuse: 25 },
            ),
            (
                PasswordPolicy {
                    max_age_days: Some(0),
                    ..policy()
                },
                PolicyError::MaxAgeZero,
            ),
        ];
        let mut rng = StdRng::seed_from_u64(1);
        for (policy, reason) in cases {
            assert_eq!(policy.validate(), Err(reason.clone()), "{policy:?}");
            assert_eq!(policy.generate(&mut rng).err(), Some(reason), "{policy:?}");
        }
    }

    #[test]
    fn validate_accepts_the_edges_of_each_limit() {
        let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let accepted = [
            PasswordPolicy {
                name: "é".repeat(100),
                ..policy()
            },
            PasswordPolicy {
                min_length: 1,
                max_length: 1,
                ..policy()
            },
            PasswordPolicy {
                min_length: 4096,
                max_length: 4096,
                ..policy()
            },
            PasswordPolicy {
                max_length: 9,
                min_lowercase: 2,
                min_uppercase: 2,
                min_digits: 2,
                min_specials: 3,
                ..policy()
            },
            PasswordPolicy {
                max_length: 5,
                min_digits: 4,
                must_start_with_letter: true,
                ..policy()
            },
            // forbidding every letter is fine while no letter is needed
            PasswordPolicy {
                forbidden_characters: letters.to_string(),
                min_digits: 1,
                ..policy()
            },
            // every printable ASCII character but one, and characters that are not
            // printable ASCII, which the policy may list
            PasswordPolicy {
                forbidden_characters: printable()
                    .filter(|&b| b != b'q')
                    .map(char::from)
                    .chain([' ', 'é', '\u{7f}', '\n'])
                    .collect(),
                must_start_with_letter: true,
                ..policy()
            },
            PasswordPolicy {
                reuse_forbidden: 24,
                max_age_days: Some(1),
                ..policy()
            },
        ];
        for policy in accepted {
            assert_eq!(policy.validate(), Ok(()), "{policy:?}");
        }
    }

    #[test]
    fn the_errors_read_as_sentences() {
        assert_eq!(
            PolicyError::ClassForbidden {
                class: CharClass::Digit
            }
            .to_string(),
            "the policy requires digits but forbids every one of them"
        );
        assert_eq!(
            PolicyError::MaxLengthOverLimit { max: 5000 }.to_string(),
            "the maximum length (5000) is over the vault's limit of 4096"
        );
    }

    #[test]
    fn check_names_the_length_rules_counting_characters_not_bytes() {
        let policy = PasswordPolicy {
            min_length: 8,
            max_length: 10,
            ..policy()
        };
        let short = violation(&policy, "abcdefg");
        assert_eq!(short, PolicyViolation::TooShort { min: 8 });
        assert_eq!(short.rule(), "min_length");
        assert_eq!(
            short.to_string(),
            "the password must have at least 8 characters (rule min_length)"
        );
        let long = violation(&policy, "abcdefghijk");
        assert_eq!(long, PolicyViolation::TooLong { max: 10 });
        assert_eq!(long.rule(), "max_length");
        assert_eq!(
            long.to_string(),
            "the password must have at most 10 characters (rule max_length)"
        );
        assert_eq!(policy.check("abcdefgh", &[]), Ok(()));
        assert_eq!(policy.check("abcdefghij", &[]), Ok(()));

        // 7 characters in 14 bytes: too short; 10 characters in 30 bytes: not too long
        assert_eq!(
            policy.check("ééééééé", &[]),
            Err(PolicyViolation::TooShort { min: 8 })
        );
        assert_eq!(policy.check("€€€€€€€€€€", &[]), Ok(()));
        assert_eq!(policy.check("🔑🔑🔑🔑🔑🔑🔑🔑", &[]), Ok(()));
        assert_eq!(
            policy.check("🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑", &[]),
            Err(PolicyViolation::TooLong { max: 10 })
        );

        let one = PasswordPolicy {
            min_length: 1,
            ..policy
        };
        assert_eq!(
            violation(&one, "").to_string(),
            "the password must have at least 1 character (rule min_length)"
        );
    }

    #[test]
    fn check_names_each_class_minimum() {
        let policy = PasswordPolicy {
            min_lowercase: 2,
            min_uppercase: 2,
            min_digits: 2,
            min_specials: 2,
            ..policy()
        };
        let cases = [
            (
                "ABCD12#$x",
                PolicyViolation::TooFewLowercase { min: 2 },
                "min_lowercase",
                "the password must have at least 2 lowercase letters (rule min_lowercase)",
            ),
            (
                "abcD12#$",
                PolicyViolation::TooFewUppercase { min: 2 },
                "min_uppercase",
                "the password must have at least 2 uppercase letters (rule min_uppercase)",
            ),
            (
                "abCD1#$x",
                PolicyViolation::TooFewDigits { min: 2 },
                "min_digits",
                "the password must have at least 2 digits (rule min_digits)",
            ),
            (
                "abCD12#x",
                PolicyViolation::TooFewSpecials { min: 2 },
                "min_specials",
                "the password must have at least 2 special characters (punctuation such as # or %) (rule min_specials)",
            ),
        ];
        for (password, expected, rule, message) in cases {
            let v = violation(&policy, password);
            assert_eq!(v, expected, "{password}");
            assert_eq!(v.rule(), rule);
            assert_eq!(v.to_string(), message);
        }
        assert_eq!(policy.check("abCD12#$", &[]), Ok(()));
        // a space and non-ASCII letters are in no class
        assert_eq!(
            policy.check("aéCD12# ", &[]),
            Err(PolicyViolation::TooFewLowercase { min: 2 })
        );
        assert_eq!(
            violation(
                &PasswordPolicy {
                    min_digits: 1,
                    ..PasswordPolicy::low()
                },
                "abcd"
            )
            .to_string(),
            "the password must have at least 1 digit (rule min_digits)"
        );
    }

    #[test]
    fn check_wants_an_ascii_letter_first_when_asked() {
        let policy = PasswordPolicy {
            must_start_with_letter: true,
            ..policy()
        };
        for password in ["1abc", "#abc", "éabc", " abc"] {
            let v = violation(&policy, password);
            assert_eq!(v, PolicyViolation::MustStartWithLetter, "{password}");
            assert_eq!(v.rule(), "must_start_with_letter");
            assert_eq!(
                v.to_string(),
                "the password must start with a letter (rule must_start_with_letter)"
            );
        }
        assert_eq!(policy.check("abc1", &[]), Ok(()));
        assert_eq!(policy.check("Zbc1", &[]), Ok(()));
        let free = PasswordPolicy {
            must_start_with_letter: false,
            ..policy
        };
        assert_eq!(free.check("1abc", &[]), Ok(()));
    }

    #[test]
    fn check_refuses_a_forbidden_character_of_any_kind() {
        let policy = PasswordPolicy {
            forbidden_characters: "'\" é".to_string(),
            ..policy()
        };
        for password in ["ab'cd", "ab\"cd", "ab cd", "abécd"] {
            let v = violation(&policy, password);
            assert_eq!(v, PolicyViolation::ForbiddenCharacter, "{password}");
            assert_eq!(v.rule(), "forbidden_characters");
            assert_eq!(
                v.to_string(),
                "the password has a character the policy forbids (rule forbidden_characters)"
            );
        }
        assert_eq!(policy.check("abecd", &[]), Ok(()));
    }

    #[test]
    fn check_refuses_reuse_only_within_the_last_n() {
        let policy = PasswordPolicy {
            reuse_forbidden: 3,
            ..policy()
        };
        let previous = ["newest1", "second2", "third3", "fourth4"];
        for reused in ["newest1", "second2", "third3"] {
            let v = policy.check(reused, &previous).unwrap_err();
            assert_eq!(v, PolicyViolation::Reused { last: 3 });
            assert_eq!(v.rule(), "reuse");
            assert_eq!(
                v.to_string(),
                "the password must not be one of the last 3 passwords (rule reuse)"
            );
        }
        assert_eq!(policy.check("fourth4", &previous), Ok(()));
        assert_eq!(policy.check("fresh55", &previous), Ok(()));
        assert_eq!(policy.check("newest1", &[]), Ok(()));

        let one = PasswordPolicy {
            reuse_forbidden: 1,
            ..policy.clone()
        };
        assert_eq!(
            one.check("newest1", &previous).unwrap_err().to_string(),
            "the password must not be the last password (rule reuse)"
        );
        assert_eq!(one.check("second2", &previous), Ok(()));

        let none = PasswordPolicy {
            reuse_forbidden: 0,
            ..policy
        };
        assert_eq!(none.check("newest1", &previous), Ok(()));
    }

    #[test]
    fn check_reports_the_first_rule_broken_in_order() {
        let policy = PasswordPolicy::strong();
        let previous = ["Xy9#abcdefgh"];
        // broken: min_specials, then must_start_with_letter
        assert_eq!(
            violation(&policy, "1bcdefghijkL"),
            PolicyViolation::TooFewSpecials { min: 1 }
        );
        assert_eq!(
            violation(&policy, "abcdefghijk"),
            PolicyViolation::TooShort { min: 12 }
        );
        assert_eq!(
            policy.check("Xy9#abcdefgh", &previous),
            Err(PolicyViolation::Reused { last: 3 })
        );
        assert_eq!(policy.check("Xy9#abcdefgi", &previous), Ok(()));
    }

    #[test]
    fn no_violation_shows_the_password_or_a_previous_one() {
        let policy = PasswordPolicy {
            min_length: 20,
            max_length: 40,
            min_lowercase: 3,
            min_uppercase: 3,
            min_digits: 3,
            min_specials: 3,
            must_start_with_letter: true,
            forbidden_characters: "~".to_string(),
            reuse_forbidden: 2,
            ..policy()
        };
        let previous = [
            "Secret-Previous-One-111abc!!",
            "Secret-Previous-Two-222abc!!",
        ];
        let passwords = [
            "Secret-short",
            "Secret-much-too-long-Secret-much-too-long-Secret",
            "SECRET-NO-LOWERCASE-123!!",
            "secret-no-uppercase-123!!",
            "Secret-No-Digits-Abc!!xyz",
            "Secret1Few2Specials3ABCxyz",
            "1Secret-Digit-First-ABC23xyz!!",
            "Secret-Forbidden~123ABCxyz!!",
            "Secret-Previous-Two-222abc!!",
        ];
        let mut rules = HashSet::new();
        for password in passwords {
            let v = policy.check(password, &previous).unwrap_err();
            rules.insert(v.rule());
            for shown in [v.to_string(), format!("{v:?}")] {
                assert!(!shown.contains(password), "{shown}");
                assert!(!shown.contains("Secret"), "{shown}");
                for p in previous {
                    assert!(!shown.contains(p), "{shown}");
                }
            }
        }
        // every rule was broken once
        assert_eq!(rules.len(), 9);
    }

    #[test]
    fn a_policy_survives_a_serde_round_trip() {
        let policy = PasswordPolicy {
            name: "Root accounts — Ünïcode".to_string(),
            forbidden_characters: "\"'\\ é".to_string(),
            min_specials: 2,
            ..PasswordPolicy::strong()
        };
        let json = serde_json::to_string(&policy).unwrap();
        let back: PasswordPolicy = serde_json::from_str(&json).unwrap();
        assert_eq!(back, policy);
        assert_eq!(
            serde_json::to_value(PasswordPolicy::low()).unwrap(),
            serde_json::json!({
                "name": "low",
                "min_length": 4,
                "max_length": 64,
                "min_lowercase": 0,
                "min_uppercase": 0,
                "min_digits": 0,
                "min_specials": 0,
                "must_start_with_letter": false,
                "forbidden_characters": "",
                "reuse_forbidden": 0,
                "max_age_days": null,
            })
        );
    }

    #[test]
    fn the_built_ins_generate_16_to_20_characters_covering_the_range() {
        let mut rng = StdRng::seed_from_u64(7);
        for name in BUILT_IN {
            let policy = PasswordPolicy::built_in(name).unwrap();
            let mut lengths = HashSet::new();
            for _ in 0..500 {
                let password = policy.generate(&mut rng).unwrap();
                assert_eq!(policy.check(&password, &[]), Ok(()), "{name}");
                lengths.insert(password.len());
            }
            assert_eq!(lengths, (16..=20).collect(), "{name}");
        }
    }

    #[test]
    fn the_generated_length_follows_the_policy_bounds() {
        let mut rng = StdRng::seed_from_u64(8);
        let mut lengths = |min_length: u32, max_length: u32, min_digits: u32| {
            let policy = PasswordPolicy {
                min_length,
                max_length,
                min_digits,
                ..policy()
            };
            let mut seen = HashSet::new();
            for _ in 0..300 {
                let password = policy.generate(&mut rng).unwrap();
                assert_eq!(policy.check(&password, &[]), Ok(()));
                seen.insert(password.len());
            }
            let mut seen: Vec<usize> = seen.into_iter().collect();
            seen.sort_unstable();
            seen
        };
        assert_eq!(lengths(1, 1, 0), [1]);
        assert_eq!(lengths(4, 8, 0), [8]);
        assert_eq!(lengths(4, 18, 0), [16, 17, 18]);
        assert_eq!(lengths(30, 64, 0), [30, 31, 32, 33, 34]);
        assert_eq!(lengths(4, 64, 40), [40, 41, 42, 43, 44]);
        assert_eq!(lengths(4096, 4096, 0), [4096]);
    }

    #[test]
    fn a_first_letter_gets_a_place_of_its_own_when_no_letter_is_required() {
        let policy = PasswordPolicy {
            min_length: 4,
            max_length: 4,
            min_digits: 3,
            must_start_with_letter: true,
            ..policy()
        };
        let mut rng = StdRng::seed_from_u64(9);
        for _ in 0..1000 {
            let password = policy.generate(&mut rng).unwrap();
            assert_eq!(policy.check(&password, &[]), Ok(()), "{}", &*password);
            assert!(password[1..].bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn every_allowed_character_and_no_forbidden_one_is_generated() {
        let policy = PasswordPolicy {
            forbidden_characters: "lI1O0\"'`\\".to_string(),
            ..PasswordPolicy::strong()
        };
        let expected: HashSet<char> = printable()
            .map(char::from)
            .filter(|&c| !policy.forbidden_characters.contains(c))
            .collect();
        let mut rng = StdRng::seed_from_u64(10);
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            seen.extend(policy.generate(&mut rng).unwrap().chars());
        }
        assert_eq!(seen, expected);
    }

    #[test]
    fn the_shuffle_makes_every_order_equally_likely() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut counts = std::collections::HashMap::new();
        for _ in 0..60_000 {
            let mut items = [0, 1, 2];
            shuffle(&mut items, &mut rng);
            *counts.entry(items).or_insert(0) += 1;
        }
        assert_eq!(counts.len(), 6);
        // 10,000 each expected; the standard deviation is about 91
        for (order, count) in counts {
            assert!((9_500..=10_500).contains(&count), "{order:?}: {count}");
        }
        let mut one = [7];
        shuffle(&mut one, &mut rng);
        assert_eq!(one, [7]);
        shuffle(&mut [0u8; 0], &mut rng);
    }

    #[test]
    fn the_strong_policy_generates_no_two_equal_passwords_in_1000() {
        let policy = PasswordPolicy::strong();
        let mut rng = rand::rng();
        let mut seen = HashSet::new();
        for _ in 0..1000 {
            let password = policy.generate(&mut rng).unwrap();
            assert_eq!(policy.check(&password, &[]), Ok(()));
            assert!(seen.insert(password.to_string()), "a password came twice");
        }
    }

    /// A random policy, often valid: random bounds, minimums, forbidden sets and first
    /// letter, with now and then an out-of-range value.
    fn random_policy(rng: &mut StdRng) -> PasswordPolicy {
        let min_length: u32 = match rng.random_range(0..100) {
            0..2 => rng.random_range(1..=4096),
            2..5 => 0,
            _ => rng.random_range(1..=30),
        };
        let max_length = match rng.random_range(0..100) {
            0..3 => 4096,
            3..15 => min_length,
            15..18 => min_length.saturating_sub(1),
            _ => min_length.saturating_add(rng.random_range(0..=40)),
        };
        let mut minimum = || match rng.random_range(0..10) {
            0..5 => 0,
            5..9 => rng.random_range(1..=4),
            _ => rng.random_range(5..=20),
        };
        let (min_lowercase, min_uppercase, min_digits, min_specials) =
            (minimum(), minimum(), minimum(), minimum());
        let all: Vec<char> = printable().map(char::from).collect();
        let forbidden_characters: String = match rng.random_range(0..10) {
            0..3 => String::new(),
            3..7 => {
                let k = rng.random_range(0..=30);
                (0..k).filter_map(|_| all.choose(rng).copied()).collect()
            }
            7 => {
                // a whole class or two, and more
                let classes = ["abcdefghijklmnopqrstuvwxyz", "0123456789", SPECIALS];
                let mut forbidden = classes.choose(rng).copied().unwrap_or("").to_string();
                forbidden.extend((0..rng.random_range(0..10)).filter_map(|_| all.choose(rng)));
                forbidden
            }
            8 => {
                // nearly everything: keep a few printable characters
                let keep: Vec<char> = (0..rng.random_range(1..=4))
                    .filter_map(|_| all.choose(rng).copied())
                    .collect();
                all.iter().filter(|c| !keep.contains(c)).collect()
            }
            _ => {
                // characters the generator never uses, with a few it does
                let mut forbidden = " é€\u{7f}\t".to_string();
                forbidden.extend((0..rng.random_range(0..5)).filter_map(|_| all.choose(rng)));
                forbidden
            }
        };
        PasswordPolicy {
            name: format!("random {}", rng.random::<u32>()),
            min_length,
            max_length,
            min_lowercase,
            min_uppercase,
            min_digits,
            min_specials,
            must_start_with_letter: rng.random_bool(0.5),
            forbidden_characters,
            reuse_forbidden: if rng.random_bool(0.03) {
                25
            } else {
                rng.random_range(0..=24)
            },
            max_age_days: match rng.random_range(0..10) {
                0..5 => None,
                5 => Some(0),
                _ => Some(rng.random_range(1..=365)),
            },
        }
    }

    #[test]
    fn generated_passwords_of_random_policies_always_pass_their_check() {
        const POLICIES: usize = 2000;
        const DRAWS: usize = 60;
        let mut rng = StdRng::seed_from_u64(0x5eed);
        let mut valid = 0;
        let mut draws = 0;
        let mut starts_with_letter = 0;
        let mut forbids_some = 0;
        for _ in 0..POLICIES {
            let policy = random_policy(&mut rng);
            if let Err(reason) = policy.validate() {
                assert_eq!(policy.generate(&mut rng).err(), Some(reason));
                continue;
            }
            valid += 1;
            starts_with_letter += usize::from(policy.must_start_with_letter);
            forbids_some += usize::from(!policy.forbidden_characters.is_empty());
            // the documented length: at least 16 if allowed, and up to 4 more
            let required = policy.required_chars() as usize;
            let (min, max) = (policy.min_length as usize, policy.max_length as usize);
            let lo = min.max(required).max(16.min(max));
            let hi = max.min(lo + 4);
            for _ in 0..DRAWS {
                let password = policy.generate(&mut rng).unwrap();
                draws += 1;
                assert_eq!(
                    policy.check(&password, &[]),
                    Ok(()),
                    "{policy:?} {}",
                    &*password
                );
                let length = password.chars().count();
                assert!((min..=max).contains(&length), "{policy:?} {length}");
                assert!((lo..=hi).contains(&length), "{policy:?} {length}");
                assert!(
                    password.bytes().all(|b| printable().contains(&b)),
                    "{policy:?}"
                );
            }
        }
        assert!(valid * 100 >= POLICIES * 40, "only {valid} valid policies");
        assert!(draws >= 50_000, "only {draws} draws");
        assert!(starts_with_letter * 4 >= valid, "{starts_with_letter}");
        assert!(forbids_some * 3 >= valid, "{forbids_some}");
    }
}
