//! Plain-text tables for a terminal: columns as wide as their widest cell,
//! numbers right-aligned so their digits line up; lists of the hub's JSON
//! items as such tables.

use serde_json::Value;

/// Prints `rows` under `headers`; the columns in `right` are right-aligned.
pub fn print(headers: &[&str], rows: Vec<Vec<String>>, right: &[usize]) {
    print!("{}", render(headers, &rows, right));
}

pub fn render(headers: &[&str], rows: &[Vec<String>], right: &[usize]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(widths.len()) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, cell) in cells.enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                out.push_str("  ");
            }
            if right.contains(&i) {
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            } else if i + 1 == widths.len() {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(&mut headers.iter().copied());
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// A table's column: its header, and its cell for an item.
pub type Column = (&'static str, fn(&Value) -> String);

/// The list as JSON, or as a table of `columns`.
pub fn print_list(items: &[Value], json: bool, columns: &[Column], right: &[usize]) {
    if json {
        return super::print_json(&items);
    }
    let headers: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
    let rows = items
        .iter()
        .map(|i| columns.iter().map(|(_, cell)| cell(i)).collect())
        .collect();
    print(&headers, rows, right);
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_line_up_and_numbers_align_right() {
        let rows = vec![
            vec!["MILK-1L".to_owned(), "Milk".to_owned(), "12.5".to_owned()],
            vec!["TEA".to_owned(), "Masala tea".to_owned(), "3".to_owned()],
        ];
        let text = super::render(&["SKU", "NAME", "QTY"], &rows, &[2]);
        assert_eq!(
            text,
            "SKU      NAME         QTY\n\
             MILK-1L  Milk        12.5\n\
             TEA      Masala tea     3\n"
        );
    }
}
