//! Golden vectors printed by `tests/flask/gen_vectors.py` with the real Flask 3.1.3, itsdangerous 2.2.0, Werkzeug 3.1.9, Flask-Login 0.6.3, Flask-Session 0.8.0, msgspec 0.23.0
//! (and, for [`IdentifierVector::main`], Flask-Login's main branch at c8bba84).
//! Regenerate them with the script; don't edit by hand.
#![allow(dead_code)]

/// A `SECRET_KEY` as the Python app holds it: `str` or `bytes`.
#[derive(Clone, Copy, Debug)]
pub(super) enum Secret {
    /// A Python `str`.
    Text(&'static str),
    /// Python `bytes`.
    Bytes(&'static [u8]),
}

/// A session cookie made by Flask's `SecureCookieSessionInterface`.
#[derive(Debug)]
pub(super) struct SessionVector {
    /// `SECRET_KEY`.
    pub(super) secret: Secret,
    /// `SECRET_KEY_FALLBACKS`.
    pub(super) fallbacks: &'static [Secret],
    /// The cookie value.
    pub(super) cookie: &'static str,
    /// The tagged JSON inside it, as Flask dumps it.
    pub(super) json: &'static str,
}

/// A remember cookie made by Flask-Login's `encode_cookie`.
#[derive(Debug)]
pub(super) struct RememberVector {
    /// `SECRET_KEY`.
    pub(super) secret: Secret,
    /// The user id.
    pub(super) user_id: &'static str,
    /// The cookie value.
    pub(super) cookie: &'static str,
}

/// Flask-Login's `_create_identifier` for one request.
#[derive(Debug)]
pub(super) struct IdentifierVector {
    /// `REMOTE_ADDR`.
    pub(super) remote_addr: Option<&'static str>,
    /// The `X-Forwarded-For` header's bytes.
    pub(super) forwarded_for: Option<&'static [u8]>,
    /// The `User-Agent` header's bytes.
    pub(super) user_agent: Option<&'static [u8]>,
    /// Flask-Login 0.6.3.
    pub(super) v06: &'static str,
    /// Flask-Login main (unreleased 0.7.0).
    pub(super) main: &'static str,
}

/// The itsdangerous timestamp of every session vector.
pub(super) const TIMESTAMP: u64 = 1700000000;
/// Flask's default `PERMANENT_SESSION_LIFETIME` (31 days), in seconds.
pub(super) const MAX_AGE: u64 = 2678400;

/// The golden vector of issue 7.
pub(super) const GOLDEN: SessionVector = SessionVector {
    secret: Secret::Text("k"),
    fallbacks: &[],
    cookie: "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.v4jQ6bQewFIkEg-D6J2iIdGfd6I",
    json: "{\"_user_id\":\"1\"}",
};

/// Many keys, non-ASCII text, control characters, numbers.
pub(super) const MULTI: SessionVector = SessionVector {
    secret: Secret::Text("k"),
    fallbacks: &[],
    cookie: ".eJwtkM1uwyAQhF8FzbU4xU6bH06Nesq5t5QossM6sUqgNViVY_ndu1S57A4wOx8w4UAWGl80RhFDn0QzinOwJL5D5xMkTm1P8Qqd-oF4NUTqT10euQczKEXNW1P3i-Qse8_J8UGqG5O8M97gx0AYI55FtiqVa9nmum7Z3kKXi1eJ63AhlvRUriRcFxP0ZymRfgNkW7tIRwkP_VJxq29sxeHB5txqpZbc7GZpuZJSeU9VG873dIEu1lnElJ85oWaORPOQ0yxxZ9hxZuGD52g_OMfozo_5RoXi6X_UlqnsKHYf7_u94O_C_Adgr17W.ZVPxAA.z4McJdTIhqkbpR5ZpUxeTQHRe1Q",
    json: "{\"Zed\":\"keys sort by code point\",\"_fresh\":true,\"_user_id\":\"zo\\u00eb@bar.tld\",\"ctl\":\"tab\\tnl\\n\\\"q\\\" \\\\ / \\u0000\\u001f\\u007f\",\"f\":1.5,\"huge\":1e+16,\"list\":[1,\"two\",false],\"n\":42,\"name\":\"Zo\\u00eb \\u2603 \\ud83d\\ude00 \\u2028\",\"neg\":-7,\"nested\":{\"a\":1,\"b\":{\"a\":{},\"z\":[]}},\"none\":null,\"tiny\":1e-07,\"\\u00e9\":\"non-ASCII key\"}",
};

/// Every tag of Flask's TaggedJSONSerializer.
pub(super) const TAGS: SessionVector = SessionVector {
    secret: Secret::Text("k"),
    fallbacks: &[],
    cookie: ".eJx1jksLgkAUhf_KcNcDOaO9BhVatSoK3IkMilZiPtCZSGT-e-OY1abVhe9-53AGSHqRdcAGQAkw2J22dXz2PFAYUmFwqnEgM4yIg471A1GL2ohSRmxGLbQ_BKN7iYuMmype1RXvRJtX1ymeT-WcAyNqVt_0c8bvAE-jzI6QzT371cSno4zbQjYGlnqem_i33F0k_jjlG9P7Q4gBExzqajyTHiIVRdqUMk-NKHUHobazXK03_y4o9QIcIVYh.ZVPxAA.BCRNnU6O9xNyqxNj0Y-XwKhAJiY",
    json: "{\"bytes\":{\" b\":\"AP9oaQ==\"},\"dt\":{\" d\":\"Tue, 14 Nov 2023 22:13:20 GMT\"},\"fake_bytes_non_string\":{\" di\":{\" b__\":1}},\"fake_di\":{\" di\":{\" di__\":{\"x\":1}}},\"fake_tuple\":{\" di\":{\" t__\":1}},\"markup\":{\" m\":\"<b>hi</b>\"},\"tuple\":{\" t\":[\"a\",1,[\"x\",{\" t\":[\"y\"]}]]},\"uuid\":{\" u\":\"12345678123456781234567812345678\"}}",
};

/// A dict that looks like a Markup value: escaped with ` di`.
pub(super) const LOOKALIKE: SessionVector = SessionVector {
    secret: Secret::Text("k"),
    fallbacks: &[],
    cookie: "eyJ4Ijp7IiBkaSI6eyIgbV9fIjoiPGk-In19fQ.ZVPxAA.5oQhtg07sjJDLYN9K-cgdjFWylQ",
    json: "{\"x\":{\" di\":{\" m__\":\"<i>\"}}}",
};

/// Big and repetitive: zlib-compressed, marked by a leading `.`.
pub(super) const COMPRESSED: SessionVector = SessionVector {
    secret: Secret::Text("k"),
    fallbacks: &[],
    cookie: ".eJyrVoovLU4tis9MUbJSMlTSUUrKTAeyKkbBKBgFo2AUjIJRMApGwSgYBYMeKNUCAHuvheE.ZVPxAA.Sc184TOa4X40GAScICASuYu5Azc",
    json: "{\"_user_id\":\"1\",\"big\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
};

/// Signed with a key now in SECRET_KEY_FALLBACKS.
pub(super) const FALLBACK: SessionVector = SessionVector {
    secret: Secret::Text("new secret"),
    fallbacks: &[Secret::Text("older secret"), Secret::Text("old secret")],
    cookie: "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.IIyFhjhq9F54crd6Bkm_7Y5cGnE",
    json: "{\"_user_id\":\"1\"}",
};

/// A non-ASCII `str` secret (UTF-8 for itsdangerous).
pub(super) const TEXT_SECRET: SessionVector = SessionVector {
    secret: Secret::Text("cl\u{e9}"),
    fallbacks: &[],
    cookie: "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.ZLDepFqIbAlmmVFhFMPLGtw3qxw",
    json: "{\"_user_id\":\"1\"}",
};

/// A `bytes` secret.
pub(super) const BYTES_SECRET: SessionVector = SessionVector {
    secret: Secret::Bytes(b"\x00\xffraw"),
    fallbacks: &[],
    cookie: "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.K_DxivlkE0Xu-GtED4jz16Yaxqg",
    json: "{\"_user_id\":\"1\"}",
};

/// After Flask-Login's login_user(remember=True, duration=2 days), two flash() and session.permanent = True, from 127.0.0.1 with User-Agent 'Mozilla/5.0 (X11; Linux x86_64)'.
pub(super) const LOGIN: SessionVector = SessionVector {
    secret: Secret::Text("k"),
    fallbacks: &[],
    cookie: ".eJw9kMtqxDAMRX8leB0G2YodO6v-RaGdIdiy1CnkUexkNcy_17S0K0mcizjch5plifXOVU3vD9Udbah6EnGtqlevvNC-ct-97dcTgFN3PY0DVLdn_5deWzR-cEtXpn3Ljd369rZwvavpKCe36zOrSRGjRO_ROg9ohMUSpdS25JJDQGxIxLgxWI1DziKRxwDivZdRtNHWRyTHhIlpjNraUciAHryzFnPwJgTEmDJF0GKZdA6MVrsBXDDRNsX5i8saN96Of7XCK6-Jy_yr34rQo_EAF2jwrA38yMu-v6RYLseS1fMbx_1ekg.ZVPxAA.1hgPdUImu8pEObqJ-iT9gHeJaNA",
    json: "{\"_flashes\":[{\" t\":[\"success\",\"Welcome, Zo\\u00eb \\u2603\"]},{\" t\":[\"message\",\"second\"]}],\"_fresh\":true,\"_id\":\"ce3fa883568032fef5ccbb32fb6b63033835ff26795134ddffae790f888f7f12158a3c6ec3bec7a1557fc201486553d9829933abdca01f5ec1d9e351640692a5\",\"_permanent\":true,\"_remember_seconds\":172800.0,\"_user_id\":\"foo@bar.tld\"}",
};

/// The remember cookie of the same response.
pub(super) const LOGIN_REMEMBER: &str = "foo@bar.tld|07885ee524c1c72a494e9ee1143317813bd9eef9c55b58dffbfefbbd7df7daa539b419aca56c472258b4db4972fd9264c412c184f12b21e4c86447dc3c2eb8de";
/// The client of that login: `REMOTE_ADDR`.
pub(super) const LOGIN_ADDR: &str = "127.0.0.1";
/// The client of that login: `User-Agent`.
pub(super) const LOGIN_UA: &str = "Mozilla/5.0 (X11; Linux x86_64)";

/// Remember cookies from Flask-Login's `encode_cookie`.
pub(super) const REMEMBER: &[RememberVector] = &[
    RememberVector {
        secret: Secret::Text("k"),
        user_id: "1",
        cookie: "1|f8221c28a8be11f1292079bc38818e9cbb3fdf9559bd7ab5b339a3f839252bf986a92f1fe675c9e786beef9b4ff0bc4952873fcd42d8ff5757a363fe9bb2934e",
    },
    RememberVector {
        secret: Secret::Text("k"),
        user_id: "foo@bar.tld",
        cookie: "foo@bar.tld|07885ee524c1c72a494e9ee1143317813bd9eef9c55b58dffbfefbbd7df7daa539b419aca56c472258b4db4972fd9264c412c184f12b21e4c86447dc3c2eb8de",
    },
    RememberVector {
        secret: Secret::Text("k"),
        user_id: "zo\u{eb}",
        cookie: "zo\u{eb}|7202277faf510943e697ea90e017e8ecb61b748622e9fe64f874cadc01749d60f6594b4c1ae2ecb24381e00d941c002fe7c96b15e078cdef8cf4e855214f06f4",
    },
    RememberVector {
        secret: Secret::Text("k"),
        user_id: "a|b",
        cookie: "a|b|6d271013d12135c7865552c264c80b902433b86b3b171b876323fbd0c7d5970b10a8b88acac2ddbd201acba8216ca50141b8ca46f585a10c8a01e3bf0ce07ebd",
    },
    RememberVector {
        secret: Secret::Text("k"),
        user_id: "",
        cookie: "|893ccbf5d0b335fcda6f625e4a59055a364d75a9251589428750782c116830a1af455efe1094c1901d0e8fd5beb6df64c6d5fe1c6f09be6ef47fb3987260cdd8",
    },
    RememberVector {
        secret: Secret::Text("cl\u{e9}"),
        user_id: "1",
        cookie: "1|e4b828bf202ded0175afbb934e09bb551ef3ba20bc6513a78d778042e8608d587a17665859786f56695052a1803feb8882f9272ac4e0cef2acedbe9473cc1310",
    },
    RememberVector {
        secret: Secret::Text("cl\u{e9}"),
        user_id: "foo@bar.tld",
        cookie: "foo@bar.tld|da1ba7b90bc9eb6eaa75fadba32052d9002f0b7a86562e0c2b37e3e5b149df6819e64f2dfef7d98b5d778383129c9cc38476f914aa97723324e90b210e6364b0",
    },
    RememberVector {
        secret: Secret::Text("cl\u{e9}"),
        user_id: "zo\u{eb}",
        cookie: "zo\u{eb}|10110d465504de54f8fd93f262f2e6cb5fe0a621a9255b4f8ce4d67a0e0066da88f0085f03e6b953ddb3b888bb548c684229f9b7bbd060be22840fc6af0203cc",
    },
    RememberVector {
        secret: Secret::Text("cl\u{e9}"),
        user_id: "a|b",
        cookie: "a|b|4fdc3d03b4e7149b67b2cfa3549d03fece6181aa87e9204900d7c949b9d0cf8decf5919bdffca5a2fd1d87e46db19322f096f3a2246a0bb9d250db7e4cf6b39b",
    },
    RememberVector {
        secret: Secret::Text("cl\u{e9}"),
        user_id: "",
        cookie: "|f030575777438c7bc5727ba78a334e571c3dfb4610106788acd671e1582744c80dece197691b12d8fcb1d28f9b36d3858a44bee85504a96ecf4ff41b4977faab",
    },
    RememberVector {
        secret: Secret::Bytes(b"\x00\xffraw"),
        user_id: "1",
        cookie: "1|b5bddfbd04cdc474c2ccc465bb92735ee58486bb23409e4e4d11a802fa61a00cc9f18420c7b022c984b294d44fdf828cbe6a1bec4a8542e6b69f794917de268a",
    },
    RememberVector {
        secret: Secret::Bytes(b"\x00\xffraw"),
        user_id: "foo@bar.tld",
        cookie: "foo@bar.tld|f5c52a3e04c9a152be071be1bccb7989b3e669099b5ca0168f9c6fcd0a995cdf1d120816f27290c3c2a024c9ddf4633f4063f2073947900ee5cc9646e38499f1",
    },
    RememberVector {
        secret: Secret::Bytes(b"\x00\xffraw"),
        user_id: "zo\u{eb}",
        cookie: "zo\u{eb}|eb77f9372a6ca509ef0bc525c205978fcd38d6bff76ef03b76994a45ee329b61b25179f09ce2774ee5b3f362e08cd05509cce3d40b968b36272a89aaac00b3e5",
    },
    RememberVector {
        secret: Secret::Bytes(b"\x00\xffraw"),
        user_id: "a|b",
        cookie: "a|b|4799183bd10b28413e8218cf9f4d085e8602624a18977c9fe8dc9f13430acd0568c2f7d2f2f9b630eafb48d61265dd4e16aac2e710cda26f4cc51fefee4957b9",
    },
    RememberVector {
        secret: Secret::Bytes(b"\x00\xffraw"),
        user_id: "",
        cookie: "|2f751d168c07765c8b87cea722780da43395279dd7ed880b286a9c07aea73dfc984b637b45d52679b828bcac06e6b212ee1634b20cbd978dcc1333e538761b75",
    },
];

/// Flask-Login's session identifiers, 0.6.3 and main.
pub(super) const IDENTIFIERS: &[IdentifierVector] = &[
    IdentifierVector {
        remote_addr: Some("127.0.0.1"),
        forwarded_for: None,
        user_agent: Some(b"Mozilla/5.0"),
        v06: "4b58f43e05616ba2eb7be4c7562bf7fa83800cb050c056542e579ea984440fb8f43632cd4831c0bfc235ad551c1fbeb6a35217a1b0ed9bd70527febbaacc2293",
        main: "5f2613f522d786d3e4404c200dcc749a5817f0204d0f26b3524f3cc0f108f4815d6087cf0bca0d17f3d523fa293f42f70b896c927b1c683e708c10c36052d230",
    },
    IdentifierVector {
        remote_addr: Some("127.0.0.1"),
        forwarded_for: None,
        user_agent: None,
        v06: "656d8f867997c2a40397700861e67a333b935d82576d85577e2da5109fbf90ba7d035f50908ba54969f8b60c156c4a762615d025942cb19ae24d329b88d388db",
        main: "3f21e0836abdfa69bf1763faaa82d94212074abf9a225951b35f47605bb939625fd8bdee7d492b41eb00bad256a3979d333005390ce48fd5d2d45b83b6535c71",
    },
    IdentifierVector {
        remote_addr: None,
        forwarded_for: None,
        user_agent: None,
        v06: "892f7fec2c15835660cba1324da22125e167e65bbe5de394d486a744c2c07be014719895f627ec258b1ab0de00d8e2b5bc9bb4e29a7e3c78329d9d2051ec0e84",
        main: "fff586b186aabda4644f2a6714be39ee79d7cd60ca5b45dbe709baccbcdcc273e760f54261ae750fe97d6a720846305d277c4c78c0772c2edbc1bb6e9421aaee",
    },
    IdentifierVector {
        remote_addr: Some("127.0.0.1"),
        forwarded_for: Some(b"203.0.113.7, 10.0.0.1"),
        user_agent: Some(b"curl/8.5.0"),
        v06: "37c849c46ceacd693e5be9ef71a83252f0f7903b9c1709ceac8f1772460dc072807bb1d2b368c0094f5fba58154ece087fbf43553dba593604424519dfb6bec4",
        main: "2198ef895e77d23b754273468d13d6b92644fde34abbd05ef16d0ae7e1dfc362c196522557d16ed1a3f2dbe4d02076a2265edf4b9cebf9f1826d338f20608cc8",
    },
    IdentifierVector {
        remote_addr: Some("127.0.0.1"),
        forwarded_for: Some(b" 203.0.113.7 "),
        user_agent: Some(b""),
        v06: "c54823c8ccb33977e1b80c02fe16219d402099fd89fead03e561d1a0f99f49051e77accc7aa9b865df62e394d1e8ce32b3e3baadf2f14d0478118886009e6d77",
        main: "3f21e0836abdfa69bf1763faaa82d94212074abf9a225951b35f47605bb939625fd8bdee7d492b41eb00bad256a3979d333005390ce48fd5d2d45b83b6535c71",
    },
    IdentifierVector {
        remote_addr: Some("127.0.0.1"),
        forwarded_for: Some(b""),
        user_agent: Some(b"x"),
        v06: "dde28e1ceaabe24287b1119e449c73edf2d2c8c7e141b031b75e501a54792709eaa6a029261a2b21c8a78f2bca99149629784c6ea39bc7d6901f5f9294404f94",
        main: "95611107f12ed3a6cfcbc64bd874aeb3e1c7279feda2775ffe19c3b72b697fe2317ced19bd2fdb5ae6dc04f7b18fc4221b63909d3f15c857b4b56e0d4770e0c3",
    },
    IdentifierVector {
        remote_addr: Some("::1"),
        forwarded_for: None,
        user_agent: Some(b"caf\xe9 O'Reilly"),
        v06: "6766de6c818206a086b9db518914ca222cb36ee0a6b60ebbb34343ae10024e48d8eccdf592821e1a25dec652f87575063dc6832eea1bb72690f2a45ce9e2533c",
        main: "d8b1b16af8cbcb860042a2b8b9687fb1eacc9bcc7b3e118d8203b6d915c21c9fac6e7690d72d3b9bb14f5e0be1c3aa505ca946551d7fc28b3422a291d3d1cf59",
    },
    IdentifierVector {
        remote_addr: Some("127.0.0.1"),
        forwarded_for: None,
        user_agent: Some(b"both ' and \" and \\ and \x09 and \x7f"),
        v06: "b33010d116af47d3ceedd88f86eea97e8d299a93073c2b6f5e34783befeab6aa02f51db90305306845742b565f91951cd51efadb9b31ec2f176d9b8837af956b",
        main: "801967db1ad9e04c1ebe6abe29509e60b20e0f55dedaba873bc5e492ba42dabada1915a054582fcec2f0272c4978258ed08d0e3748879b6c26c84ab6dae9d364",
    },
    IdentifierVector {
        remote_addr: Some("127.0.0.1"),
        forwarded_for: None,
        user_agent: Some(b"only \"double\""),
        v06: "ab3b6321d46204a46b32239d6d49dfdd39102c6103eeb339c4b51929f9d4ac1240a3185154aa59ec9de91781e21992a5730dfaa8cfcc646c96d7d1291c7c2330",
        main: "9dc7480afbe5e43224ad252a6450c84586d6bf67dba558c3c12cf39f278ca90eae913a2e456824136b799cdd2b58a06ac1690c5b41fdaacc6f9fcd62e7baaced",
    },
    IdentifierVector {
        remote_addr: None,
        forwarded_for: Some(b"\xc3\xa9, x"),
        user_agent: Some(b"\xff\x00"),
        v06: "dd862501b53e329103700e096c335e479034b5f9807704925afecefce0032d834510c19c1197d12c81d54cb34c75f4a5cef3bb21d6214c61934eb06920b32c5a",
        main: "44944995ad5b5d6ac6a8811a835fe0481e17326bf3ce16bb4a2c9cfa5007ff3367f96305b03ebc127c514a9d2813d47e2cecfa6c8c7c2a803ef50cbba7292254",
    },
    IdentifierVector {
        remote_addr: Some("127.0.0.1"),
        forwarded_for: Some(b"\x0b1.2.3.4\x0c, y"),
        user_agent: Some(b"\xa0ua\xa0"),
        v06: "7601a6f42028e562a4c715e20e1566e8bb7f10ef2de753f71c7b830c41e9155ba0a18ab63d431e6329662830ade5edca8367f5ebb536e2c0dec3ce0cbf97f8a3",
        main: "9deea39804438a53a6073328b9f89b361a247cb60be24de218a297bf53b0fe5a24d59740546bab3a60e9f8083b17d23f97175fbce9195cc9a5790de8e7c2bb91",
    },
];

/// `(f64::to_bits, json.dumps)` for floats, as Python writes them.
pub(super) const FLOATS: &[(u64, &str)] = &[
    (0x3ff0000000000000, "1.0"),
    (0x3fb999999999999a, "0.1"),
    (0x8000000000000000, "-0.0"),
    (0x4341c37937e08000, "1e+16"),
    (0x430c6bf526340000, "1000000000000000.0"),
    (0x4341c37937e07fff, "9999999999999998.0"),
    (0x3f1a36e2eb1c432d, "0.0001"),
    (0x3ee4f8b588e368f1, "1e-05"),
    (0x3e8421f5f40d8376, "1.5e-07"),
    (0x0000000000000001, "5e-324"),
    (0x7fefffffffffffff, "1.7976931348623157e+308"),
    (0x419d6f34547df3b6, "123456789.123"),
    (0x3efa36e2eb1c432d, "2.5e-05"),
    (0x4480f0cf064dd592, "1e+22"),
    (0x444b1ae4d6e2ef50, "1e+21"),
    (0x400921f9f01b866e, "3.14159"),
    (0xc450000000000000, "-1.1805916207174113e+21"),
    (0x4059000000000000, "100.0"),
    (0xf2a74de452e6b438, "-1.989032661366619e+244"),
    (0x6513270e269e0d37, "7.761117632285041e+178"),
    (0x0c5c7fd0a6a3a450, "3.980498358697587e-249"),
    (0xd23f0824128b2f33, "-1.5432835417340557e+88"),
    (0x1818e811892f902b, "1.3647584518757569e-192"),
    (0x9531985d5d9dc9f8, "-1.3701135617873088e-206"),
    (0xe8e25d940ed90475, "-1.7160537630466207e+197"),
    (0x36f675cc81e74ef5, "6.294675241195386e-44"),
    (0x1600a35a099950d8, "1.0613447212142254e-202"),
    (0x6b0d549b6f03675a, "4.708325160387546e+207"),
    (0x3d9c172411e20b8f, "6.387016158513563e-12"),
    (0x8d116ece1738f7d9, "-9.973130378568733e-246"),
    (0x0f21ddb66cad4a26, "8.779753225680271e-236"),
    (0x90c192cfd3ac94af, "-5.795503248498993e-228"),
    (0xf28c105d1fb17c23, "-5.988180159386011e+243"),
    (0xa170b33839263059, "-1.306052388527796e-147"),
    (0x953f48f1a09f76b5, "-2.436117699484841e-206"),
    (0x0fd630f1f29d0da9, "2.233386999150174e-232"),
    (0x95e60af593bd04cf, "-3.51527970626667e-203"),
    (0x0cb1e29c658cda14, "1.5987381841032883e-247"),
    (0x3898d190f9ebdacc, "4.6678633181812096e-36"),
    (0x8e81973e0becd7b0, "-8.441872792105456e-239"),
    (0x2217beaddbc496cb, "1.9015657400796622e-144"),
    (0x6b4cb2424a23d596, "7.370437700706684e+208"),
    (0x8a6a63ec24ede6a4, "-1.7163996725272777e-258"),
    (0x922766581e27a1c0, "-3.2367190832119987e-221"),
    (0x8f6d05584ef8aa38, "-2.2818334634712625e-234"),
    (0xae97ba94d0eda82f, "-3.0536383926309363e-84"),
    (0x1a61dbe22e44158b, "1.3449551894627777e-181"),
    (0x923a736994e3bf91, "-7.317495976062606e-221"),
    (0x301850c5a38fd547, "5.249822308814304e-77"),
    (0x18f135d25f557203, "1.5450754142984396e-188"),
    (0xb64ce4228c38fb29, "-3.953625698224792e-47"),
    (0x907a70c31012f037, "-2.72491267476498e-229"),
    (0x9e7769b10f4205b4, "-6.505141861548772e-162"),
    (0x7f15052434b9b5df, "1.441484839555994e+304"),
    (0x881ed162ae2eb154, "-1.4583679262758548e-269"),
    (0xc6f877186d76b07e, "-7.939416668807721e+33"),
    (0x7731af10506bf2ef, "1.4255183989699612e+266"),
    (0xec66a78795e761d1, "-1.525315701232403e+214"),
    (0xc0f6dbf3f4c54698, "-93631.24725844932"),
    (0xc1187148066c556e, "-400466.0062726353"),
    (0x4121f7aded143b60, "588758.9630449824"),
    (0x41184a93784735a0, "397988.8674591426"),
    (0xc11f3cfbea0a8100, "-511806.9785556942"),
    (0x41022b7b5d383238, "148847.42051734193"),
    (0x40e89b203e7262e0, "50393.00762290298"),
    (0x4126e585fb7799d8, "750274.9911468579"),
    (0x411c022a50c58230, "458890.5788784353"),
    (0xc119e2f1e18140fe, "-424124.4702196269"),
    (0x412d4ebb63d5186e, "960349.6949851641"),
    (0xc1274fb8e3112197, "-763868.4434900758"),
    (0xc103fd52d9f7bbcc, "-163754.35642954556"),
    (0x411f63a76fbfe7cc, "514281.8591304987"),
    (0xc1253dbddc81f4e6, "-696030.9306789904"),
    (0xc0d58e73239bda80, "-22073.799048388842"),
    (0xc12c1fe2f8c88e77, "-921585.4859051247"),
    (0x411488beda2eb478, "336431.71306879027"),
    (0x412025eb77007dde, "529141.7324256261"),
    (0x4101d41f0b604c58, "146051.88055476802"),
    (0x40a0468aefcb2e57, "2083.271360730559"),
    (0x40778827933c811e, "376.50966189989583"),
    (0x409291a6486950c7, "1188.412385602527"),
    (0x408c32822cc73da3, "902.3135619702992"),
    (0x408b1a0238f715e2, "867.2510852149537"),
    (0x40830977e9638923, "609.1835506225801"),
    (0x409ca1853c23903e, "1832.3801122242726"),
    (0x40a69d47f89015c8, "2894.640568258914"),
    (0x40841520d8009572, "642.6410369916541"),
    (0x40910c638c1a2d1f, "1091.0972141351738"),
];

/// A Flask-Session record, as `RedisSessionInterface` stores it (msgspec msgpack).
pub(super) const RECORD: &[u8] = b"\x8a\xaa_permanent\xc3\xa8_user_id\xabfoo@bar.tld\xa6_fresh\xc3\xa3_id\xd9\x8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\xa8_flashes\x92\x92\xa7message\xa2hi\x92\xa5error\xa4zo\xc3\xab\xa4cart\x96\x01\xcb@\x04\x00\x00\x00\x00\x00\x00\xc0\xa4zo\xc3\xab\xd3\x80\x00\x00\x00\x00\x00\x00\x00\xcf\xff\xff\xff\xff\xff\xff\xff\xff\xa3raw\xc4\x02\x00\xff\xa4when\xd6\xffV'>\x80\xa5later\xd7\xff\x00\x00\x00\x03\xe4\xe6\xb0\x80\xa4deep\x81\xa1a\x81\xa1b\x93\xc3\xc2\x80";
/// The same session in the untagged form, as JSON.
pub(super) const RECORD_UNTAGGED: &str = "{\"_permanent\": true, \"_user_id\": \"foo@bar.tld\", \"_fresh\": true, \"_id\": \"00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\", \"_flashes\": [[\"message\", \"hi\"], [\"error\", \"zo\\u00eb\"]], \"cart\": [1, 2.5, null, \"zo\\u00eb\", -9223372036854775808, 18446744073709551615], \"raw\": {\" b\": \"AP8=\"}, \"when\": {\" d\": \"Wed, 21 Oct 2015 07:28:00 GMT\"}, \"later\": {\" d\": \"Fri, 01 Jan 2500 00:00:00 GMT\"}, \"deep\": {\"a\": {\"b\": [true, false, {}]}}}";
/// `(SECRET_KEY, session id, signed cookie value)` with `SESSION_USE_SIGNER`.
pub(super) const SIGNED_SIDS: &[(&str, &str, &str)] = &[
    ("k", "Zm9vYmFy-_", "Zm9vYmFy-_.7VF4fjt-w_LdiFbkrJ7ivNSIdMM"),
    (
        "cl\u{e9}",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.cU8b0rz7RExOqvsgUFXdwiSfbfg",
    ),
];
