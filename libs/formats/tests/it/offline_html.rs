//! The offline HTML export in a real browser: headless Chromium, driven through chromedriver
//! (WebDriver), opens the file from disk, is given the passphrase and shows the passwords; a
//! wrong passphrase shows nothing.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and
//! `chromium-driver`, installed by `.ci/services`).

use std::path::Path;
use std::time::{Duration, Instant};

use strongroom_formats::export::offline_html;
use strongroom_formats::{Entry, Field, FieldValue};
use strongroom_testkit::{CHROMIUM, CHROMIUM_ARGS, Chromedriver};
use thirtyfour::prelude::*;
use zeroize::Zeroizing;

const PASSPHRASE: &str = "offline passphrase for the browser test";
/// How long the page may take to derive the key (600,000 PBKDF2 iterations) and show the
/// table: generous, since this machine may be slow and busy.
const DEADLINE: Duration = Duration::from_secs(90);

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+).into());
        }
    };
}

fn entries() -> Vec<Entry> {
    vec![
        Entry {
            resource_name: "billing-db".into(),
            resource_type: "PostgreSQL".into(),
            host: "billing-db.internal".into(),
            username: "svc_billing_51d2".into(),
            password: Zeroizing::new("Bx-91f0<b>&\"quoted\"".into()),
            account_notes: "rotated monthly".into(),
            fields: vec![Field {
                name: "pin".into(),
                value: FieldValue::Secret(Zeroizing::new("pin-7730".into())),
            }],
            group_path: vec!["Databases".into(), "Production".into()],
            ..Default::default()
        },
        Entry {
            resource_name: "intranet".into(),
            url: "https://intranet.example".into(),
            username: "admin_e41c".into(),
            password: Zeroizing::new("Wq-2a6d-c0ffee".into()),
            ..Default::default()
        },
    ]
}

/// A new headless Chromium session with a fresh profile and no network.
async fn browser(chromedriver: &Chromedriver, profile: &Path) -> Result<WebDriver> {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM)?;
    for arg in CHROMIUM_ARGS {
        caps.add_arg(arg)?;
    }
    caps.add_arg("--allow-file-access-from-files")?;
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))?;
    Ok(WebDriver::new(chromedriver.url(), caps).await?)
}

/// Opens the page, types `passphrase` and clicks Open.
async fn unlock(driver: &WebDriver, page: &Path, passphrase: &str) -> Result {
    driver.goto(format!("file://{}", page.display())).await?;
    driver
        .find(By::Id("passphrase"))
        .await?
        .send_keys(passphrase)
        .await?;
    driver.find(By::Id("open")).await?.click().await?;
    Ok(())
}

async fn status(driver: &WebDriver) -> Result<String> {
    Ok(driver.find(By::Id("status")).await?.text().await?)
}

/// The right passphrase: the table shows every password; the search box filters.
async fn right_passphrase(driver: &WebDriver, page: &Path) -> Result {
    unlock(driver, page, PASSPHRASE).await?;
    let started = Instant::now();
    let passwords = loop {
        let cells = driver
            .find_all(By::Css("#entries-body td.password"))
            .await?;
        if !cells.is_empty() {
            let mut texts = Vec::new();
            for cell in cells {
                texts.push(cell.text().await?);
            }
            break texts;
        }
        let status = status(driver).await?;
        ensure!(
            status != "wrong passphrase",
            "the right passphrase was refused"
        );
        ensure!(
            started.elapsed() < DEADLINE,
            "no table after {DEADLINE:?} (status {status:?})"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    eprintln!(
        "the page decrypted and showed its table in {:?}",
        started.elapsed()
    );
    ensure!(
        passwords == ["Bx-91f0<b>&\"quoted\"", "Wq-2a6d-c0ffee"],
        "passwords shown: {passwords:?}"
    );
    let usernames = driver
        .find_all(By::Css("#entries-body td.username"))
        .await?;
    ensure!(usernames.len() == 2, "{} usernames", usernames.len());
    ensure!(
        usernames[0].text().await? == "svc_billing_51d2",
        "first username"
    );
    let group = driver
        .find(By::Css("#entries-body td.group"))
        .await?
        .text()
        .await?;
    ensure!(group == "Databases / Production", "group shown: {group:?}");
    // Markup in a password is shown as text, never parsed.
    ensure!(
        driver
            .find_all(By::Css("#entries-body b"))
            .await?
            .is_empty(),
        "a password's text became an element"
    );
    // The search box hides what does not match.
    driver
        .find(By::Id("search"))
        .await?
        .send_keys("intranet")
        .await?;
    let count = driver.find(By::Id("count")).await?.text().await?;
    ensure!(count == "1 of 2 entries", "after searching: {count:?}");
    let visible = driver
        .find(By::Css("#entries-body tr:not([hidden]) td.resource"))
        .await?;
    ensure!(
        visible.text().await? == "intranet",
        "the row left is not intranet"
    );
    Ok(())
}

/// A wrong passphrase: "wrong passphrase" and no entry anywhere on the page.
async fn wrong_passphrase(driver: &WebDriver, page: &Path) -> Result {
    unlock(driver, page, "not the passphrase at all").await?;
    let started = Instant::now();
    loop {
        let status = status(driver).await?;
        if status == "wrong passphrase" {
            break;
        }
        ensure!(
            started.elapsed() < DEADLINE,
            "no answer after {DEADLINE:?} (status {status:?})"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let text = driver.find(By::Tag("body")).await?.text().await?;
    let source = driver.source().await?;
    for secret in [
        "Bx-91f0",
        "Wq-2a6d-c0ffee",
        "pin-7730",
        "svc_billing_51d2",
        "admin_e41c",
        "billing-db",
    ] {
        ensure!(
            !text.contains(secret),
            "{secret} is shown after a wrong passphrase"
        );
        ensure!(
            !source.contains(secret),
            "{secret} is in the page after a wrong passphrase"
        );
    }
    ensure!(
        driver
            .find_all(By::Css("#entries-body tr"))
            .await?
            .is_empty(),
        "rows after a wrong passphrase"
    );
    Ok(())
}

#[tokio::test]
async fn chromium_opens_the_offline_export_with_the_passphrase_only() {
    // reqwest may be built with rustls and no provider elsewhere in the workspace.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("strongroom-export.html");
    let html = offline_html(&entries(), PASSPHRASE, "Strongroom <export> & co").unwrap();
    std::fs::write(&page, html).unwrap();

    let chromedriver = Chromedriver::start().unwrap();
    for (name, check) in [("right", true), ("wrong", false)] {
        let profile = dir.path().join(format!("profile-{name}"));
        std::fs::create_dir(&profile).unwrap();
        let driver = browser(&chromedriver, &profile).await.unwrap();
        let outcome = if check {
            right_passphrase(&driver, &page).await
        } else {
            wrong_passphrase(&driver, &page).await
        };
        let title = driver.title().await;
        let _ = driver.quit().await;
        if let Err(error) = outcome {
            panic!("{name} passphrase: {error}");
        }
        assert_eq!(title.unwrap(), "Strongroom <export> & co");
    }
    drop(chromedriver);
    eprintln!("the browser test took {:?}", started.elapsed());
}
