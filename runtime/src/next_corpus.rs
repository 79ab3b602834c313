// The `next` rule's corpus, shared by the runtime's `is_safe_next` and the macros'
// `redirect = "…"` check: a proc-macro crate cannot depend on the runtime that
// re-exports it, so the rule is written twice and both copies are tested on this list
// (`runtime/src/redirect.rs` and `macros/src/login_required/validate.rs` include it).
// `(target, whether it is a safe local path)`.
const NEXT_CORPUS: &[(&str, bool)] = &[
    ("/", true),
    ("/protected", true),
    ("/a/b?c=d&e=f#frag", true),
    ("/%2F%2Fevil.com", true),
    ("/.%2e/x", true),
    ("", false),
    ("protected", false),
    ("//evil.com", false),
    ("/\\evil.com", false),
    ("\\\\evil.com", false),
    ("/a\\b", false),
    ("https://evil.com", false),
    ("http:/evil.com", false),
    ("javascript:alert(1)", false),
    ("/\t/evil.com", false),
    ("/ /evil.com", false),
    ("/a b", false),
    ("/\u{0}", false),
    ("/\r\nSet-Cookie: x=y", false),
    ("/\u{7f}", false),
    ("/é", false),
    ("/\u{2215}\u{2215}evil.com", false),
];
