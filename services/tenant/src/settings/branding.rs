//! What the org's login page shows: a logo, a welcome text, a legal banner (which users may
//! have to accept) and a privacy banner with its acceptance button. A client org's login
//! page shows the client org's branding; an org that never saved any shows MSPOrg's, whole
//! (never a mix of the two).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use strongroom_auth::RequestContext;
use strongroom_core::OrgId;

use super::{Kind, OrgSettings, Saved, SettingsError, check};

/// The largest logo image, decoded.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
const LOGO_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
const MAX_LOGIN_TEXT: usize = 4_000;
const MAX_BANNER_TEXT: usize = 20_000;
const MAX_BUTTON_LABEL: usize = 40;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    /// A `data:image/...;base64,` URL or an https URL; empty for none.
    pub logo: String,
    pub login_text: String,
    pub legal_banner: LegalBanner,
    pub privacy_banner: PrivacyBanner,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBanner {
    pub enabled: bool,
    pub text: String,
    /// Users must accept the banner before they sign in.
    pub requires_acceptance: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyBanner {
    pub enabled: bool,
    pub text: String,
    pub button_label: String,
}

impl Kind for Branding {
    const KIND: &'static str = "branding";
    const TITLE: &'static str = "login page branding";
}

/// Whose branding a login page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The org's own.
    Org,
    /// MSPOrg's, because the org saved none.
    Msp,
    /// Nobody saved any: empty.
    Default,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Org => "org",
            Source::Msp => "msp",
            Source::Default => "default",
        }
    }
}

impl Branding {
    /// Checked and trimmed; every error names its field.
    fn checked(self) -> Result<Self, SettingsError> {
        let legal = self.legal_banner;
        let privacy = self.privacy_banner;
        let when = "when the banner is enabled";
        Ok(Branding {
            logo: logo(&self.logo)?,
            login_text: check::text("login_text", &self.login_text, MAX_LOGIN_TEXT)?,
            legal_banner: LegalBanner {
                text: check::required_text(
                    "legal_banner.text",
                    &legal.text,
                    MAX_BANNER_TEXT,
                    legal.enabled,
                    when,
                )?,
                ..legal
            },
            privacy_banner: PrivacyBanner {
                text: check::required_text(
                    "privacy_banner.text",
                    &privacy.text,
                    MAX_BANNER_TEXT,
                    privacy.enabled,
                    when,
                )?,
                button_label: check::required_text(
                    "privacy_banner.button_label",
                    &privacy.button_label,
                    MAX_BUTTON_LABEL,
                    privacy.enabled,
                    when,
                )?,
                ..privacy
            },
        })
    }
}

/// A PNG, JPEG, GIF or WebP image as a base64 `data:` URL of at most [`MAX_LOGO_BYTES`], or
/// an https URL; empty for none. (No SVG: it can carry scripts.)
fn logo(value: &str) -> Result<String, SettingsError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    let bad = |m: String| SettingsError::Invalid(m);
    let Some(rest) = value
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("data:"))
        .and_then(|_| value.get(5..))
    else {
        return check::url("logo", value, true).map_err(|_| {
            bad("logo must be a data:image/...;base64, URL or an https:// URL".into())
        });
    };
    let (meta, data) = rest
        .split_once(',')
        .ok_or_else(|| bad("logo must be a data URL such as data:image/png;base64,...".into()))?;
    let mime = meta
        .strip_suffix(";base64")
        .ok_or_else(|| bad("logo must be base64-encoded: data:image/png;base64,...".into()))?
        .to_ascii_lowercase();
    if !LOGO_TYPES.contains(&mime.as_str()) {
        return Err(bad(format!(
            "logo must be a PNG, JPEG, GIF or WebP image ({}), not {mime:?}",
            LOGO_TYPES.join(", ")
        )));
    }
    let too_large = |bytes: usize| {
        bad(format!(
            "logo must be at most {} KiB; this one is {} KiB",
            MAX_LOGO_BYTES / 1024,
            bytes.div_ceil(1024)
        ))
    };
    // Refused before decoding: base64 takes 4 characters for every 3 bytes.
    let approx = data.len() / 4 * 3;
    if approx > MAX_LOGO_BYTES + 3 {
        return Err(too_large(approx));
    }
    let image = BASE64
        .decode(data)
        .map_err(|_| bad("logo's base64 data is not valid".into()))?;
    if image.is_empty() {
        return Err(bad("logo has no image data".into()));
    }
    if image.len() > MAX_LOGO_BYTES {
        return Err(too_large(image.len()));
    }
    Ok(format!("data:{mime};base64,{data}"))
}

impl OrgSettings {
    pub async fn branding(&self, ctx: &RequestContext) -> Result<Saved<Branding>, SettingsError> {
        self.get(ctx).await
    }

    pub async fn save_branding(
        &self,
        ctx: &RequestContext,
        input: Branding,
    ) -> Result<Saved<Branding>, SettingsError> {
        // Without the permission (or with an API key), 403 whatever was sent.
        Self::authorize_change(ctx)?;
        let branding = input.checked()?;
        self.save(ctx, |_| Ok(branding)).await
    }

    /// The branding `org`'s login page shows, for anyone: its own, else MSPOrg's. An org
    /// that does not exist shows what a client org without branding of its own shows, so the
    /// page tells nobody which orgs exist.
    pub async fn public_branding(
        &self,
        org: OrgId,
    ) -> Result<(Option<Saved<Branding>>, Source), SettingsError> {
        let own = match self.read(org).await {
            Err(SettingsError::Tenancy(strongroom_tenancy::TenancyError::UnknownOrg(_))) => None,
            read => read?,
        };
        if let Some(own) = own {
            return Ok((Some(own), Source::Org));
        }
        if org != self.msp_org
            && let Some(msp) = self.read(self.msp_org).await?
        {
            return Ok((Some(msp), Source::Msp));
        }
        Ok((None, Source::Default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_url(bytes: usize) -> String {
        format!("data:image/png;base64,{}", BASE64.encode(vec![7u8; bytes]))
    }

    #[test]
    fn logos_are_small_images_or_https_urls() {
        assert_eq!(logo(" ").unwrap(), "");
        assert!(logo(&data_url(MAX_LOGO_BYTES)).is_ok());
        assert!(logo("https://cdn.acme.test/logo.png").is_ok());
        let large = logo(&data_url(MAX_LOGO_BYTES + 1)).unwrap_err().to_string();
        assert!(large.contains("at most 256 KiB"), "{large}");
        for bad in [
            "http://cdn.acme.test/logo.png",
            "data:image/svg+xml;base64,PHN2Zz4=",
            "data:image/png,rawdata",
            "data:image/png;base64,***",
            "logo.png",
        ] {
            let message = logo(bad).unwrap_err().to_string();
            assert!(message.starts_with("logo"), "{bad}: {message}");
        }
    }

    #[test]
    fn enabled_banners_need_their_text_and_button() {
        let mut b = Branding::default();
        b.privacy_banner.enabled = true;
        b.privacy_banner.text = "We keep logs.".into();
        let message = b.clone().checked().unwrap_err().to_string();
        assert!(
            message.starts_with("privacy_banner.button_label"),
            "{message}"
        );
        b.privacy_banner.button_label = " Accept ".into();
        assert_eq!(b.checked().unwrap().privacy_banner.button_label, "Accept");
        let mut b = Branding::default();
        b.legal_banner.enabled = true;
        let message = b.checked().unwrap_err().to_string();
        assert!(message.starts_with("legal_banner.text"), "{message}");
    }
}
