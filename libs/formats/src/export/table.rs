//! Entries as CSV; the format is described in the [module docs](super).

use std::fmt;

use zeroize::Zeroizing;

use super::ExportError;
use crate::{Entry, FieldValue};

/// The fixed columns of an exported CSV file, in order; the extra fields' columns follow.
pub const CSV_HEADER: [&str; 12] = [
    "Resource Name",
    "Resource Type",
    "Host",
    "URL",
    "Department",
    "Location",
    "Description",
    "Resource Notes",
    "Username",
    "Password",
    "Account Notes",
    "Group",
];

/// The characters that make a spreadsheet read a cell as a formula (or, for `'`, that the
/// neutralisation itself uses): a cell starting with one gets a `'` in front.
const NEUTRALISED_FIRST: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// Writes `entries` as CSV: the header, then one record per entry (see the module docs for
/// the columns, the group escaping and the neutralisation of formulas).
///
/// The text is built in one buffer sized in advance, so no copy of a password is left behind
/// in freed memory by a growing buffer; it is wiped when dropped.
pub fn csv(entries: &[Entry]) -> Result<Zeroizing<String>, ExportError> {
    let extra = extra_field_names(entries)?;
    // First measure, then write into a buffer of exactly that size.
    let mut counter = Counter(0);
    write_table(&mut counter, entries, &extra).map_err(|_| write_failed())?;
    let mut out = Zeroizing::new(String::with_capacity(counter.0));
    write_table(&mut *out, entries, &extra).map_err(|_| write_failed())?;
    Ok(out)
}

fn write_failed() -> ExportError {
    ExportError::Serialize("could not format the CSV text".into())
}

/// The distinct extra field names in first-seen order, refusing names of fixed columns and
/// names repeated within one entry.
fn extra_field_names(entries: &[Entry]) -> Result<Vec<&str>, ExportError> {
    let mut names: Vec<&str> = Vec::new();
    for entry in entries {
        for (i, field) in entry.fields.iter().enumerate() {
            let name = field.name.as_str();
            if name.is_empty()
                || CSV_HEADER
                    .iter()
                    .any(|fixed| fixed.eq_ignore_ascii_case(name))
            {
                return Err(ExportError::ReservedFieldName { name: name.into() });
            }
            if entry.fields[..i].iter().any(|earlier| earlier.name == name) {
                return Err(ExportError::DuplicateFieldName {
                    resource: entry.resource_name.clone(),
                    name: name.into(),
                });
            }
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    Ok(names)
}

/// What an importer reads from a cell: one leading `'` dropped before a neutralised character.
#[cfg(test)]
fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(NEUTRALISED_FIRST) => rest,
        _ => cell,
    }
}

fn write_table(out: &mut impl fmt::Write, entries: &[Entry], extra: &[&str]) -> fmt::Result {
    let header = CSV_HEADER.iter().copied().chain(extra.iter().copied());
    write_record(out, header)?;
    for entry in entries {
        let group = GroupCell(&entry.group_path);
        let fixed: [&dyn Cell; 12] = [
            &entry.resource_name.as_str(),
            &entry.resource_type.as_str(),
            &entry.host.as_str(),
            &entry.url.as_str(),
            &entry.department.as_str(),
            &entry.location.as_str(),
            &entry.description.as_str(),
            &entry.resource_notes.as_str(),
            &entry.username.as_str(),
            &entry.password.as_str(),
            &entry.account_notes.as_str(),
            &group,
        ];
        for (i, cell) in fixed.iter().enumerate() {
            if i > 0 {
                out.write_char(',')?;
            }
            write_cell(out, *cell)?;
        }
        for name in extra {
            out.write_char(',')?;
            let value = entry
                .fields
                .iter()
                .find(|field| field.name == *name)
                .map(|field| match &field.value {
                    FieldValue::Text(text) => text.as_str(),
                    FieldValue::Secret(secret) => secret.as_str(),
                })
                .unwrap_or("");
            write_cell(out, &value)?;
        }
        out.write_str("\r\n")?;
    }
    Ok(())
}

fn write_record<'a>(
    out: &mut impl fmt::Write,
    cells: impl Iterator<Item = &'a str>,
) -> fmt::Result {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.write_char(',')?;
        }
        write_cell(out, &cell)?;
    }
    out.write_str("\r\n")
}

/// A cell's text, given piece by piece so that nothing needs to be assembled in a temporary
/// buffer.
trait Cell {
    /// Calls `f` with the cell's text in pieces.
    fn pieces(&self, f: &mut dyn FnMut(&str) -> fmt::Result) -> fmt::Result;
}

impl Cell for &str {
    fn pieces(&self, f: &mut dyn FnMut(&str) -> fmt::Result) -> fmt::Result {
        f(self)
    }
}

/// The Group cell: the path joined with `/`, `\` and `/` inside a name escaped with `\`.
struct GroupCell<'a>(&'a [String]);

impl Cell for GroupCell<'_> {
    fn pieces(&self, f: &mut dyn FnMut(&str) -> fmt::Result) -> fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f("/")?;
            }
            let mut rest = name.as_str();
            while let Some(at) = rest.find(['\\', '/']) {
                f(&rest[..at])?;
                f(if rest[at..].starts_with('/') {
                    "\\/"
                } else {
                    "\\\\"
                })?;
                rest = &rest[at + 1..];
            }
            f(rest)?;
        }
        Ok(())
    }
}

/// Writes one cell: neutralised when it starts like a formula, quoted when it must be.
fn write_cell(out: &mut impl fmt::Write, cell: &dyn Cell) -> fmt::Result {
    let mut first = None;
    let mut quote = false;
    cell.pieces(&mut |piece| {
        if first.is_none() {
            first = piece.chars().next();
        }
        quote |= piece.contains([',', '"', '\r', '\n']);
        Ok(())
    })?;
    if quote {
        out.write_char('"')?;
    }
    if first.is_some_and(|c| NEUTRALISED_FIRST.contains(&c)) {
        out.write_char('\'')?;
    }
    cell.pieces(&mut |piece| {
        if !quote {
            return out.write_str(piece);
        }
        let mut rest = piece;
        while let Some(at) = rest.find('"') {
            out.write_str(&rest[..=at])?;
            out.write_char('"')?;
            rest = &rest[at + 1..];
        }
        out.write_str(rest)
    })?;
    if quote {
        out.write_char('"')?;
    }
    Ok(())
}

/// Counts the bytes that would be written.
struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests;
