//! The benchmark's tables: each scenario's figures, the orgs spread, and whether each
//! criterion of the retrieval goal held.

use crate::load::Stats;

pub fn print_spread(
    accounts: usize,
    orgs: usize,
    per_org: usize,
    spread: &[(usize, Stats, Stats)],
) {
    println!();
    println!("orgs spread: 1 org × {accounts} accounts vs {orgs} orgs × {per_org} accounts");
    println!(
        "{:>11}  {:>14}  {:>15}  {:>13}  {:>10}  {:>11}",
        "connections", "1-org p50 ms", "n-orgs p50 ms", "p50 ratio", "1-org rps", "n-orgs rps"
    );
    for (conns, one, many) in spread {
        println!(
            "{:>11}  {:>14.3}  {:>15.3}  {:>13.2}  {:>10.0}  {:>11.0}",
            conns,
            one.p50_ms,
            many.p50_ms,
            ratio(many.p50_ms, one.p50_ms),
            one.rps,
            many.rps
        );
        if one.errors + many.errors > 0 {
            println!(
                "{:>11}  errors: 1-org {} n-orgs {} {}",
                "",
                one.errors,
                many.errors,
                one.first_error
                    .as_deref()
                    .or(many.first_error.as_deref())
                    .unwrap_or("")
            );
        }
    }
    println!("(p50 ratio = n-orgs p50 / 1-org p50)");
}

pub fn print_table(rows: &[(&str, usize, Stats)]) {
    println!();
    println!(
        "{:<11}  {:>11}  {:>10}  {:>8}  {:>8}  {:>7}  {:>12}",
        "scenario", "connections", "requests/s", "p50 ms", "p99 ms", "errors", "audit lag s"
    );
    for (name, conns, s) in rows {
        let lag = s
            .audit_lag
            .map_or_else(|| "-".to_owned(), |l| format!("{l:.1}"));
        println!(
            "{:<11}  {:>11}  {:>10.0}  {:>8.3}  {:>8.3}  {:>7}  {:>12}",
            name, conns, s.rps, s.p50_ms, s.p99_ms, s.errors, lag
        );
    }
    println!(
        "(audit lag: after the load stopped, until the audit service had stored every reveal)"
    );
    let errors: Vec<_> = rows
        .iter()
        .filter_map(|(n, c, s)| s.first_error.as_ref().map(|e| format!("{n}@{c}: {e}")))
        .collect();
    for e in &errors {
        println!("first error {e}");
    }
    let rps = |name: &str, conns: usize| {
        rows.iter()
            .find(|(n, c, _)| *n == name && *c == conns)
            .map_or(0.0, |(_, _, s)| s.rps)
    };
    println!();
    println!(
        "{:>11}  {:>24}  {:>24}  {:>25}",
        "connections",
        "strongroom/openbao rps",
        "hot: strongroom/openbao",
        "strongroom/ceiling rps"
    );
    let mut counts: Vec<usize> = rows.iter().map(|(_, c, _)| *c).collect();
    counts.sort_unstable();
    counts.dedup();
    for conns in counts {
        println!(
            "{:>11}  {:>24.2}  {:>24.2}  {:>25.2}",
            conns,
            ratio(rps("strongroom", conns), rps("openbao", conns)),
            ratio(rps("strongroom-hot", conns), rps("openbao-hot", conns)),
            ratio(rps("strongroom", conns), rps("ceiling", conns))
        );
    }
    println!(
        "retrieve/openbao rps ratio at 64: {:.2}",
        ratio(rps("strongroom", 64), rps("openbao", 64))
    );
}

pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// Whether each criterion of the retrieval goal held in this run: against OpenBao in the
/// same run, for reveals spread over every account and for one hot account, and for many
/// orgs against one.
pub fn print_criteria(rows: &[(&str, usize, Stats)], spread: &[(usize, Stats, Stats)]) {
    let get = |name: &str, conns: usize| {
        rows.iter()
            .find(|(n, c, _)| *n == name && *c == conns)
            .map(|(_, _, s)| s)
    };
    let mut held = 0;
    let mut checked = 0;
    let mut line = |what: String, value: Option<f64>, ok: fn(f64) -> bool| {
        let Some(v) = value else { return };
        checked += 1;
        let verdict = if ok(v) {
            held += 1;
            "holds"
        } else {
            "MISSED"
        };
        println!("{what:<58}  {v:>6.2}  {verdict}");
    };
    println!();
    println!(
        "{:<58}  {:>6}",
        "criterion (strongroom against openbao)", "value"
    );
    for (ours, theirs) in [("strongroom", "openbao"), ("strongroom-hot", "openbao-hot")] {
        let pair = |conns: usize| Some((get(ours, conns)?, get(theirs, conns)?));
        let rps = |conns| pair(conns).map(|(a, b)| ratio(a.rps, b.rps));
        let p50 = |conns| pair(conns).map(|(a, b)| ratio(a.p50_ms, b.p50_ms));
        let p99 = |conns| pair(conns).map(|(a, b)| ratio(a.p99_ms, b.p99_ms));
        line(
            format!("{ours}: requests/s ratio at 16 >= 1.00"),
            rps(16),
            |v| v >= 1.0,
        );
        line(
            format!("{ours}: requests/s ratio at 64 >= 2.00"),
            rps(64),
            |v| v >= 2.0,
        );
        line(format!("{ours}: p50 ratio at 1 <= 1.50"), p50(1), |v| {
            v <= 1.5
        });
        line(format!("{ours}: p99 ratio at 16 <= 0.50"), p99(16), |v| {
            v <= 0.5
        });
        line(format!("{ours}: p99 ratio at 64 <= 0.50"), p99(64), |v| {
            v <= 0.5
        });
    }
    // Reveals through a share: the access service decides each batch's.
    let shared = |conns: usize| {
        Some(ratio(
            get("strongroom-shared", conns)?.rps,
            get("openbao", conns)?.rps,
        ))
    };
    line(
        "strongroom-shared: requests/s ratio at 64 >= 2.00".into(),
        shared(64),
        |v| v >= 2.0,
    );
    for (conns, one, many) in spread {
        line(
            format!("orgs spread: n-orgs p50 / 1-org p50 at {conns} <= 1.10"),
            Some(ratio(many.p50_ms, one.p50_ms)),
            |v| v <= 1.1,
        );
    }
    println!("criteria held: {held} of {checked}");
}
