//! What the tenant's region changes: the phone country code and national
//! number shape, the order of numeric dates, and the local dollar and yen.

/// Conventions of one region (see [`Region::lookup`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// ISO 3166-1 alpha-2 code, upper case.
    pub code: &'static str,
    /// Country calling code without `+`; empty when the region is unknown
    /// (national phone numbers are then not recognised).
    pub calling_code: &'static str,
    /// National numbers are dialled with a leading `0` dropped in E.164.
    pub trunk_zero: bool,
    /// Length of the national significant number (without the trunk `0`).
    pub national_digits: (usize, usize),
    /// `03/04/2026` is 4 March (day first) rather than 3 April.
    pub day_first: bool,
    /// ISO 4217 code of a bare `$`.
    pub dollar: &'static str,
    /// ISO 4217 code of a bare `¥`.
    pub yen: &'static str,
    /// ISO 4217 code of a bare `kr`.
    pub krone: &'static str,
}

/// (code, calling code, trunk zero, national digits, day first, `$`).
type Row = (
    &'static str,
    &'static str,
    bool,
    (usize, usize),
    bool,
    &'static str,
);

const REGIONS: &[Row] = &[
    ("US", "1", false, (10, 10), false, "USD"),
    ("CA", "1", false, (10, 10), false, "CAD"),
    ("GB", "44", true, (9, 10), true, "USD"),
    ("IE", "353", true, (7, 9), true, "USD"),
    ("FR", "33", true, (9, 9), true, "USD"),
    ("DE", "49", true, (6, 11), true, "USD"),
    ("AT", "43", true, (4, 13), true, "USD"),
    ("CH", "41", true, (9, 9), true, "USD"),
    ("NL", "31", true, (9, 9), true, "USD"),
    ("BE", "32", true, (8, 9), true, "USD"),
    ("ES", "34", false, (9, 9), true, "USD"),
    ("PT", "351", false, (9, 9), true, "USD"),
    ("IT", "39", false, (6, 11), true, "USD"),
    ("PL", "48", false, (9, 9), true, "USD"),
    ("SE", "46", true, (7, 9), true, "USD"),
    ("NO", "47", false, (8, 8), true, "USD"),
    ("DK", "45", false, (8, 8), true, "USD"),
    ("FI", "358", true, (5, 12), true, "USD"),
    ("AU", "61", true, (9, 9), true, "AUD"),
    ("NZ", "64", true, (8, 10), true, "NZD"),
    ("IN", "91", true, (10, 10), true, "USD"),
    ("SG", "65", false, (8, 8), true, "SGD"),
    ("HK", "852", false, (8, 8), true, "HKD"),
    ("JP", "81", true, (9, 10), false, "USD"),
    ("CN", "86", true, (10, 11), false, "USD"),
    ("KR", "82", true, (9, 10), false, "USD"),
    ("BR", "55", true, (10, 11), true, "USD"),
    ("MX", "52", false, (10, 10), true, "MXN"),
    ("ZA", "27", true, (9, 9), true, "USD"),
    ("IL", "972", true, (8, 9), true, "USD"),
    ("AE", "971", true, (8, 9), true, "USD"),
];

impl Region {
    /// The conventions of `code` (case-insensitive); unknown codes get US
    /// date and money conventions and no national phone numbers.
    pub fn lookup(code: &str) -> Region {
        let code = code.trim();
        let row = REGIONS.iter().find(|row| row.0.eq_ignore_ascii_case(code));
        match row {
            Some(&(code, calling_code, trunk_zero, national_digits, day_first, dollar)) => Region {
                code,
                calling_code,
                trunk_zero,
                national_digits,
                day_first,
                dollar,
                yen: if code == "CN" { "CNY" } else { "JPY" },
                krone: match code {
                    "NO" => "NOK",
                    "DK" => "DKK",
                    _ => "SEK",
                },
            },
            None => Region {
                code: "",
                calling_code: "",
                trunk_zero: false,
                national_digits: (0, 0),
                day_first: false,
                dollar: "USD",
                yen: "JPY",
                krone: "SEK",
            },
        }
    }

    /// North American Numbering Plan (`+1`).
    pub fn is_nanp(&self) -> bool {
        self.calling_code == "1"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_unknown_is_inert() {
        assert_eq!(Region::lookup("gb").calling_code, "44");
        assert!(Region::lookup(" us ").is_nanp());
        let unknown = Region::lookup("XX");
        assert_eq!(unknown.calling_code, "");
        assert_eq!(unknown.dollar, "USD");
        assert!(!unknown.day_first);
        assert_eq!(Region::lookup("CA").dollar, "CAD");
        assert_eq!(Region::lookup("CN").yen, "CNY");
        assert_eq!(Region::lookup("DK").krone, "DKK");
    }
}
