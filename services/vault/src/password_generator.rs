//! The password generator: a random password that satisfies a [`PasswordPolicy`]. Pure: no
//! I/O.

use std::ops::RangeInclusive;

use rand::seq::IndexedRandom;
use rand::{CryptoRng, Rng, RngExt};
use zeroize::Zeroizing;

use crate::password_policy::{
    CharClass, DEFAULT_GENERATED_LENGTH, GENERATED_LENGTH_SPREAD, PasswordPolicy, PolicyError,
    printable,
};

/// Fisher–Yates: every order of `items` equally likely.
pub(crate) fn shuffle<T, R: Rng + ?Sized>(items: &mut [T], rng: &mut R) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

impl PasswordPolicy {
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
    pub(crate) fn generated_length(&self) -> RangeInclusive<u32> {
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
}
