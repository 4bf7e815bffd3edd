//! No request can make the sandbox panic: it answers hostile queries and bodies with
//! BigCommerce's 400/422, and anything at all with some status.

use proptest::prelude::*;
use serde_json::json;
use syncaut_sandbox::{FULL_ACCESS_TOKEN, Request, STORE_HASH, Sandbox};

use crate::send;

#[test]
fn huge_or_broken_paging_values_are_answered_not_panicked_on() {
    let sandbox = Sandbox::new();
    let huge = send(
        &sandbox,
        "GET",
        "/v3/catalog/products",
        &[("page", "18446744073709551615")],
        None,
    );
    assert_eq!(huge.status, 200, "a page past the end is empty");
    assert_eq!(huge.body.unwrap()["data"], json!([]));
    let orders = send(
        &sandbox,
        "GET",
        "/v2/orders",
        &[("page", "18446744073709551615"), ("limit", "18446744073709551615")],
        None,
    );
    assert_eq!(orders.status, 204);
    let capped = send(
        &sandbox,
        "GET",
        "/v3/catalog/products",
        &[("limit", "99999999999999999999999")],
        None,
    );
    assert_eq!(capped.status, 422, "not a number BigCommerce reads");
    for (name, value) in [("page", "0"), ("page", "-1"), ("limit", "abc"), ("page", "1.5")] {
        let v3 = send(&sandbox, "GET", "/v3/customers", &[(name, value)], None);
        assert_eq!(v3.status, 422, "{name}={value}");
        assert!(v3.body.unwrap()["errors"][name].is_string());
        let v2 = send(&sandbox, "GET", "/v2/orders", &[(name, value)], None);
        assert_eq!(v2.status, 400, "{name}={value}");
    }
}

#[test]
fn malformed_bodies_are_400s() {
    let sandbox = Sandbox::new();
    for (method, path) in [
        ("POST", "/v3/catalog/products"),
        ("PUT", "/v2/orders/100"),
        ("POST", "/v3/customers"),
    ] {
        let request = Request {
            body: b"{not json".to_vec(),
            ..crate::request(method, path, &[], None)
        };
        assert_eq!(sandbox.handle(&request).status, 400, "{method} {path}");
    }
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("catalog".to_owned()),
        Just("products".to_owned()),
        Just("categories".to_owned()),
        Just("customers".to_owned()),
        Just("orders".to_owned()),
        Just("count".to_owned()),
        Just("store".to_owned()),
        Just("time".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("-1".to_owned()),
        "[0-9]{1,4}",
        ".{0,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn no_request_panics(
        method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), Just("PUT".to_owned()), Just("DELETE".to_owned()), "[A-Z]{0,6}"],
        version in prop_oneof![Just("v2".to_owned()), Just("v3".to_owned()), ".{0,3}"],
        segments in prop::collection::vec(segment(), 0..4),
        query in prop::collection::vec(("[a-z_:]{1,12}", prop_oneof![Just("18446744073709551615".to_owned()), Just("0".to_owned()), "[0-9,]{0,25}", ".{0,12}"]), 0..5),
        body in prop_oneof![Just(Vec::new()), Just(b"{}".to_vec()), Just(b"[{}]".to_vec()), Just(b"{\"name\": 1e999}".to_vec()), prop::collection::vec(any::<u8>(), 0..64), "\\{\"[a-z_]{1,10}\": (-?[0-9]{1,20}|\"[^\"]{0,10}\"|null|true|\\[\\]|\\{\\})\\}".prop_map(String::into_bytes)],
        tokened in any::<bool>(),
    ) {
        let sandbox = Sandbox::new();
        let request = Request {
            method,
            path: format!("/stores/{STORE_HASH}/{version}/{}", segments.join("/")),
            query,
            token: tokened.then(|| FULL_ACCESS_TOKEN.to_owned()),
            body,
        };
        let response = sandbox.handle(&request);
        prop_assert!((200..600).contains(&response.status));
    }
}
