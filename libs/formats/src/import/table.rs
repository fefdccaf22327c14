//! A delimited text file: its header line and its data rows, read within the limits.

use csv::ByteRecord;

use super::{
    Format, ImportError, MAX_COLUMNS, MAX_FIELD_BYTES, MAX_ROWS, Parsed, Rejection, Row, util,
};
use crate::Entry;

/// A header line and a reader over the data rows after it.
pub(super) struct Table<'a> {
    pub header: Vec<String>,
    bytes: &'a [u8],
    /// The line counted so far, and the byte it starts at.
    line: (usize, usize),
    reader: csv::Reader<&'a [u8]>,
    record: ByteRecord,
    rows: usize,
}

impl<'a> Table<'a> {
    /// Reads the header line of `bytes`, a `format` file.
    pub fn read(bytes: &'a [u8], format: Format) -> Result<Self, ImportError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let sniff = &bytes[..bytes.len().min(8 * 1024)];
        if sniff.contains(&0) {
            return Err(ImportError::NotText {
                expected: format.describe(),
            });
        }
        let delimiter = match format {
            Format::Tsv => b'\t',
            _ => detect_delimiter(bytes),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(bytes);
        let mut record = ByteRecord::new();
        let header = loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) if is_blank(&record) => continue,
                Ok(true) => break &record,
                Ok(false) | Err(_) => return Err(ImportError::NoHeader),
            }
        };
        if header.len() > MAX_COLUMNS {
            return Err(ImportError::TooManyColumns {
                count: header.len(),
                limit: MAX_COLUMNS,
            });
        }
        let mut names = Vec::with_capacity(header.len());
        for (index, raw) in header.iter().enumerate() {
            if raw.len() > MAX_FIELD_BYTES {
                return Err(ImportError::NotText {
                    expected: format.describe(),
                });
            }
            let name = std::str::from_utf8(raw).map_err(|_| ImportError::HeaderNotUtf8)?;
            let name = name.trim();
            names.push(if name.is_empty() {
                format!("Column {}", index + 1)
            } else {
                name.to_owned()
            });
        }
        Ok(Table {
            header: names,
            bytes,
            line: (1, 0),
            reader,
            record: ByteRecord::new(),
            rows: 0,
        })
    }

    /// The next data row that is not blank: its line number and its fields as text, or the
    /// reason it is rejected.
    #[allow(clippy::type_complexity)]
    pub fn next_row(&mut self) -> Result<Option<(usize, Result<Vec<&str>, String>)>, ImportError> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                // Reading bytes from memory fails only on I/O, which cannot happen; end there.
                Err(_) => return Ok(None),
            }
            if is_blank(&self.record) {
                continue;
            }
            self.rows += 1;
            if self.rows > MAX_ROWS {
                return Err(ImportError::TooManyRows { limit: MAX_ROWS });
            }
            let start = self
                .record
                .position()
                .and_then(|position| usize::try_from(position.byte()).ok())
                .unwrap_or(self.line.1);
            let line = self.line_at(start);
            return Ok(Some((line, fields(&self.record, &self.header))));
        }
    }
}

impl Table<'_> {
    /// Every remaining data row: the entry `entry` makes of its fields, or why it makes none.
    pub fn parse_rows(
        &mut self,
        entry: impl Fn(&[&str]) -> Result<Entry, String>,
    ) -> Result<Parsed, ImportError> {
        let mut parsed = Parsed::default();
        while let Some((row, fields)) = self.next_row()? {
            let outcome = fields.and_then(|fields| entry(&fields));
            parsed.rows.push(match outcome {
                Ok(entry) => Row::Entry {
                    row,
                    entry: Box::new(entry),
                },
                Err(reason) => Row::Rejected(Rejection { row, reason }),
            });
        }
        Ok(parsed)
    }

    /// The line number of the byte at `offset` (rows come in order: count from the last).
    fn line_at(&mut self, offset: usize) -> usize {
        // csv places a record after the line breaks of the blank lines it skipped.
        let offset = offset
            + self.bytes.get(offset..).map_or(0, |rest| {
                rest.iter()
                    .take_while(|b| matches!(b, b'\r' | b'\n'))
                    .count()
            });
        let (line, from) = self.line;
        let newlines = self
            .bytes
            .get(from..offset)
            .map_or(0, |between| between.iter().filter(|b| **b == b'\n').count());
        self.line = (line + newlines, offset.max(from));
        self.line.0
    }
}

/// The row's fields as text, checked against the header and the limits.
fn fields<'r>(record: &'r ByteRecord, header: &[String]) -> Result<Vec<&'r str>, String> {
    if record.len() > header.len() {
        let extra_filled = record.iter().skip(header.len()).any(|f| !f.is_empty());
        if extra_filled {
            return Err(format!(
                "the row has {} fields, more than the header's {} columns",
                record.len(),
                header.len()
            ));
        }
    }
    let mut out = Vec::with_capacity(header.len());
    for (index, raw) in record.iter().take(header.len()).enumerate() {
        let column = header.get(index).map_or("", String::as_str);
        if raw.len() > MAX_FIELD_BYTES {
            return Err(format!(
                "the column \"{}\" holds {} bytes, more than the limit of {} bytes",
                util::shown(column),
                raw.len(),
                MAX_FIELD_BYTES
            ));
        }
        match std::str::from_utf8(raw) {
            Ok(text) => out.push(text),
            Err(_) => {
                return Err(format!(
                    "the column \"{}\" is not UTF-8 text (save the file as UTF-8)",
                    util::shown(column)
                ));
            }
        }
    }
    Ok(out)
}

/// Whether every field of the record is empty (or blank).
fn is_blank(record: &ByteRecord) -> bool {
    record
        .iter()
        .all(|field| field.iter().all(u8::is_ascii_whitespace))
}

/// Tab when the first line has more tabs than commas, else comma.
fn detect_delimiter(bytes: &[u8]) -> u8 {
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(bytes);
    let tabs = first_line.iter().filter(|b| **b == b'\t').count();
    let commas = first_line.iter().filter(|b| **b == b',').count();
    if tabs > commas { b'\t' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_win_only_when_more_than_commas() {
        assert_eq!(detect_delimiter(b"a\tb\tc\n1,2\t3"), b'\t');
        assert_eq!(detect_delimiter(b"a,b\tc\n"), b',');
        assert_eq!(detect_delimiter(b"name"), b',');
    }

    #[test]
    fn blank_rows_are_skipped_and_lines_counted_from_the_header() {
        let bytes = b"name,user\n\n,\nweb1,alice\n\"multi\nline\",bob\n";
        let mut table = Table::read(bytes, Format::Csv).unwrap();
        assert_eq!(table.header, ["name", "user"]);
        let (line, fields) = table.next_row().unwrap().unwrap();
        assert_eq!((line, fields.unwrap()), (4, vec!["web1", "alice"]));
        let (line, fields) = table.next_row().unwrap().unwrap();
        assert_eq!((line, fields.unwrap()), (5, vec!["multi\nline", "bob"]));
        assert!(table.next_row().unwrap().is_none());
    }
}
