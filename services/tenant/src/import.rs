//! Importing client orgs from a CSV or .txt file: one org a line, `slug, name[, description,
//! department, location, contact]`, every line with the same number of fields. A file that
//! does not parse adds nothing and names the line; otherwise each line is created or
//! rejected with its reason, and the importer becomes each new org's account manager.

use strongroom_auth::RequestContext;

use crate::app::Tenant;
use crate::error::TenantError;
use crate::store::OrgDetails;

const MAX_LINES: usize = 1_000;

#[derive(Debug, Clone)]
pub struct ImportedLine {
    pub line: u64,
    pub slug: String,
    /// `None` when created; the reason when rejected.
    pub rejected: Option<String>,
}

fn parse(text: &str) -> Result<Vec<(u64, OrgDetails)>, TenantError> {
    let bad = |m: String| TenantError::InvalidInput(m);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let mut orgs = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => bad(format!(
                    "line {line}: {len} fields, but the first line has {expected_len}; \
                     every line needs the same number"
                )),
                _ => bad(format!("line {line}: {e}")),
            }
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if !(2..=6).contains(&record.len()) {
            return Err(bad(format!(
                "line {line}: expected slug, name[, description, department, location, \
                 contact], found {} fields",
                record.len()
            )));
        }
        if orgs.len() == MAX_LINES {
            return Err(bad(format!("at most {MAX_LINES} orgs per file")));
        }
        let field = |i: usize| record.get(i).unwrap_or("").to_owned();
        orgs.push((
            line,
            OrgDetails {
                slug: field(0),
                name: field(1),
                description: field(2),
                department: field(3),
                location: field(4),
                contact: field(5),
            },
        ));
    }
    if orgs.is_empty() {
        return Err(bad("the file has no orgs".into()));
    }
    Ok(orgs)
}

impl Tenant {
    pub async fn import_orgs(
        &self,
        ctx: &RequestContext,
        text: &str,
    ) -> Result<Vec<ImportedLine>, TenantError> {
        self.require_msp_admin(ctx)?;
        let mut results = Vec::new();
        for (line, details) in parse(text)? {
            let rejected = match self.create_org(ctx, &details, ctx.user()).await {
                Ok(_) => None,
                Err(e @ (TenantError::InvalidInput(_) | TenantError::AlreadyExists(_))) => {
                    Some(e.to_string())
                }
                Err(e) => return Err(e),
            };
            results.push(ImportedLine {
                line,
                slug: details.slug.trim().to_owned(),
                rejected,
            });
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_and_a_malformed_file_names_its_line() {
        let orgs = parse("acme, Acme Corp\nglobex,Globex\n").unwrap_or_default();
        assert_eq!(orgs.len(), 2);
        assert_eq!((orgs[1].0, orgs[1].1.slug.as_str()), (2, "globex"));
        let err = |t: &str| parse(t).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            err("a,A\nb,B,extra\n").starts_with("line 2:"),
            "{}",
            err("a,A\nb,B,extra\n")
        );
        assert!(err("onlyslug\n").starts_with("line 1:"));
        assert!(err("").contains("no orgs"));
    }
}
