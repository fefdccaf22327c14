use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};

use super::*;
use crate::password_generator::shuffle;

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
