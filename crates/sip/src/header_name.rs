//! A header's name and value as borrowed strings, without formatting it: looking a header
//! up by name used to print every header of the message to a `String` to read its name,
//! and a reply looks up five names.

use rsip::Header;
use rsip::headers::UntypedHeader;

macro_rules! name_value {
    ($h:expr; $($variant:ident => $name:literal),* $(,)?) => {
        match $h {
            $(Header::$variant(x) => ($name, x.value()),)*
            Header::Other(name, value) => (name.as_str(), value.as_str()),
        }
    };
}

/// The header's name as rsip writes it, and its value.
pub(crate) fn name_value(h: &Header) -> (&str, &str) {
    name_value!(h;
        Accept => "Accept",
        AcceptEncoding => "Accept-Encoding",
        AcceptLanguage => "Accept-Language",
        AlertInfo => "Alert-Info",
        Allow => "Allow",
        AuthenticationInfo => "Authentication-Info",
        Authorization => "Authorization",
        CSeq => "CSeq",
        CallId => "Call-ID",
        CallInfo => "Call-Info",
        Contact => "Contact",
        ContentDisposition => "Content-Disposition",
        ContentEncoding => "Content-Encoding",
        ContentLanguage => "Content-Language",
        ContentLength => "Content-Length",
        ContentType => "Content-Type",
        Date => "Date",
        ErrorInfo => "Error-Info",
        Event => "Event",
        Expires => "Expires",
        From => "From",
        InReplyTo => "In-Reply-To",
        MaxForwards => "Max-Forwards",
        MimeVersion => "Mime-Version",
        MinExpires => "Min-Expires",
        Organization => "Organization",
        Priority => "Priority",
        ProxyAuthenticate => "Proxy-Authenticate",
        ProxyAuthorization => "Proxy-Authorization",
        ProxyRequire => "Proxy-Require",
        RecordRoute => "Record-Route",
        ReplyTo => "Reply-To",
        Require => "Require",
        RetryAfter => "Retry-After",
        Route => "Route",
        Server => "Server",
        Subject => "Subject",
        SubscriptionState => "Subscription-State",
        Supported => "Supported",
        Timestamp => "Timestamp",
        To => "To",
        Unsupported => "Unsupported",
        UserAgent => "User-Agent",
        Via => "Via",
        Warning => "Warning",
        WwwAuthenticate => "WWW-Authenticate",
    )
}

#[cfg(test)]
mod tests {
    use super::name_value;
    use rsip::headers::UntypedHeader;

    /// Every header rsip knows, read from its wire name: the borrowed name and value
    /// are exactly what rsip prints (so lookups and serialization did not change).
    #[test]
    fn name_and_value_match_what_rsip_prints() {
        let names = [
            "Accept",
            "Accept-Encoding",
            "Accept-Language",
            "Alert-Info",
            "Allow",
            "Authentication-Info",
            "Authorization",
            "CSeq",
            "Call-ID",
            "Call-Info",
            "Contact",
            "Content-Disposition",
            "Content-Encoding",
            "Content-Language",
            "Content-Length",
            "Content-Type",
            "Date",
            "Error-Info",
            "Event",
            "Expires",
            "From",
            "In-Reply-To",
            "Max-Forwards",
            "MIME-Version",
            "Min-Expires",
            "Organization",
            "Priority",
            "Proxy-Authenticate",
            "Proxy-Authorization",
            "Proxy-Require",
            "Record-Route",
            "Reply-To",
            "Require",
            "Retry-After",
            "Route",
            "Server",
            "Subject",
            "Subscription-State",
            "Supported",
            "Timestamp",
            "To",
            "Unsupported",
            "User-Agent",
            "Via",
            "Warning",
            "WWW-Authenticate",
            "X-Custom-Thing",
        ];
        let mut typed = 0;
        for n in names {
            let text = format!("{n}: some value;x=1\r\n");
            let h: rsip::Header = rsip::headers::header::Tokenizer::tokenize(text.as_bytes())
                .map(|(_, t)| t)
                .expect("tokenizes")
                .try_into()
                .expect("parses");
            typed += usize::from(!matches!(h, rsip::Header::Other(..)));
            let (name, value) = name_value(&h);
            assert_eq!(format!("{name}: {value}"), h.to_string(), "{n}");
            assert!(name.eq_ignore_ascii_case(n), "{n} read as {name}");
            assert_eq!(value, "some value;x=1");
        }
        // rsip has a Subscription-State variant but reads the header as Other.
        assert_eq!(typed, names.len() - 2, "all but those two are typed");
        let h = rsip::Header::SubscriptionState(rsip::headers::SubscriptionState::new("active"));
        assert_eq!(name_value(&h), ("Subscription-State", "active"));
        assert_eq!(h.to_string(), "Subscription-State: active");
    }
}
