/// How requests reach a bucket: the endpoint, the addressing style and the signing region.
public struct S3Endpoint: Sendable, Equatable {
    /// `http` or `https`.
    public var scheme: String
    /// Host and optional port, e.g. `127.0.0.1:8333` or `s3.eu-west-1.amazonaws.com`.
    public var host: String
    public var region: String
    /// Path style: `SCHEME://HOST/BUCKET/KEY`; virtual-hosted: `SCHEME://BUCKET.HOST/KEY`.
    public var pathStyle: Bool

    /// From a configured endpoint URL (nil: AWS's regional endpoint, virtual-hosted).
    /// - Throws: `RemoteError.invalidURL` for an endpoint that is not `http(s)://HOST[:PORT]`.
    public init(endpoint: String?, region: String, pathStyle: Bool?) throws {
        self.region = region
        guard let endpoint, !endpoint.isEmpty else {
            scheme = "https"
            host = "s3.\(region).amazonaws.com"
            self.pathStyle = pathStyle ?? false
            return
        }
        let parts = endpoint.split(separator: "://", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0] == "http" || parts[0] == "https" else {
            throw RemoteError.invalidURL(endpoint, reason: "the endpoint must start with http:// or https://")
        }
        var host = parts[1]
        while host.hasSuffix("/") { host.removeLast() }
        guard !host.isEmpty, !host.contains("/") else {
            throw RemoteError.invalidURL(endpoint, reason: "the endpoint is SCHEME://HOST[:PORT], without a path")
        }
        scheme = parts[0]
        self.host = host
        self.pathStyle = pathStyle ?? true
    }

    /// The URL of an object (`key` nil: the bucket itself), with an optional query string.
    public func url(bucket: String, key: String?, query: String? = nil) -> String {
        let encodedKey = key.map(Self.encodePath) ?? ""
        var url: String
        if pathStyle {
            url = "\(scheme)://\(host)/\(bucket)" + (key == nil ? "" : "/\(encodedKey)")
        } else {
            url = "\(scheme)://\(bucket).\(host)/\(encodedKey)"
        }
        if let query { url += "?" + query }
        return url
    }

    /// The base URL for messages: `ENDPOINT/BUCKET`.
    public func display(bucket: String) -> String { url(bucket: bucket, key: nil) }

    /// Percent-encodes everything but unreserved characters and `/` (RFC 3986, as SigV4 wants).
    static func encodePath(_ key: String) -> String {
        var result = ""
        for byte in key.utf8 {
            let unreserved = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E || byte == 0x2F
            if unreserved {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
