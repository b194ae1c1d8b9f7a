//! The built-in templates, embedded in the binary: one per real export layout the crate is
//! tested on (see `tests/fixtures/SOURCES.md`), plus bankrec's own ledger and open-items layouts.

/// Name and TOML source of every built-in template, sorted by name.
const BUILTINS: &[(&str, &str)] = &[
    ("adyen-settlement-detail", include_str!("../templates/adyen-settlement-detail.toml")),
    ("asn-nl", include_str!("../templates/asn-nl.toml")),
    ("bankrec-ledger", include_str!("../templates/bankrec-ledger.toml")),
    ("bankrec-open-items", include_str!("../templates/bankrec-open-items.toml")),
    ("de-european-decimals", include_str!("../templates/de-european-decimals.toml")),
    ("de-split-amounts", include_str!("../templates/de-split-amounts.toml")),
    ("degiro-nl", include_str!("../templates/degiro-nl.toml")),
    ("easybank-at", include_str!("../templates/easybank-at.toml")),
    ("es-spanish-headers", include_str!("../templates/es-spanish-headers.toml")),
    ("fr-debit-credit", include_str!("../templates/fr-debit-credit.toml")),
    ("ing-de", include_str!("../templates/ing-de.toml")),
    ("ing-nl", include_str!("../templates/ing-nl.toml")),
    ("ingdiba-at", include_str!("../templates/ingdiba-at.toml")),
    ("knab-nl", include_str!("../templates/knab-nl.toml")),
    ("livebank-at", include_str!("../templates/livebank-at.toml")),
    ("oberbank-at", include_str!("../templates/oberbank-at.toml")),
    ("oca-generic-balance", include_str!("../templates/oca-generic-balance.toml")),
    ("oca-generic-debit-credit", include_str!("../templates/oca-generic-debit-credit.toml")),
    ("oca-generic-multi-currency", include_str!("../templates/oca-generic-multi-currency.toml")),
    ("oca-generic-original-currency", include_str!("../templates/oca-generic-original-currency.toml")),
    ("paypal-activity-en", include_str!("../templates/paypal-activity-en.toml")),
    ("paypal-statement-en", include_str!("../templates/paypal-statement-en.toml")),
    ("paypal-statement-es", include_str!("../templates/paypal-statement-es.toml")),
    ("raiffeisen-at", include_str!("../templates/raiffeisen-at.toml")),
    ("raiffeisen-ch-details", include_str!("../templates/raiffeisen-ch-details.toml")),
    ("revolut", include_str!("../templates/revolut.toml")),
    ("ubs-ch-export", include_str!("../templates/ubs-ch-export.toml")),
    ("viseca-ch-creditcard", include_str!("../templates/viseca-ch-creditcard.toml")),
];

/// The TOML source of a built-in template.
pub(crate) fn source(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// The built-in names, sorted.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|(n, _)| *n)
}
