/// One HTTP request as the S3 layer sees it: method, the raw and decoded path, query
/// parameters (in order, decoded) and headers (names lower-cased).
public struct S3Request: Sendable {
    public var method: String
    /// The path exactly as sent, still percent-encoded (what a client signed).
    public var rawPath: String
    /// The raw query string, without `?`.
    public var rawQuery: String
    /// Decoded query parameters in the order sent; a parameter without `=` has value "".
    public var query: [(name: String, value: String)]
    /// Header name (lower case) → value; repeated headers joined with ",".
    public var headers: [String: String]
    /// The decoded path, starting with `/`.
    public var path: String
    /// Decoded path segments: bucket, then the key.
    public var bucket: String
    public var key: String

    /// Parses a request target such as `/raw/main/a%20b.csv?versionId=1`.
    /// - Throws: `S3Error` (InvalidURI) for escapes that do not decode to UTF-8.
    public init(method: String, uri: String, headers: [(String, String)]) throws {
        self.method = method
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        rawPath = String(parts.first ?? "/")
        rawQuery = parts.count > 1 ? String(parts[1]) : ""
        var query = [(name: String, value: String)]()
        for pair in rawQuery.split(separator: "&") where !pair.isEmpty {
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentEncoding.decode(pieces[0], plusIsSpace: true),
                  let value = PercentEncoding.decode(pieces.count > 1 ? pieces[1] : "", plusIsSpace: true) else {
                throw S3Error(code: "InvalidURI", status: 400, message: "the query string holds an escape that is not UTF-8")
            }
            query.append((name, value))
        }
        self.query = query
        var merged = [String: String]()
        for (name, value) in headers {
            let lower = name.lowercased()
            merged[lower] = merged[lower].map { "\($0),\(value)" } ?? value
        }
        self.headers = merged
        guard let path = PercentEncoding.decode(Substring(rawPath)), path.hasPrefix("/") else {
            throw S3Error(code: "InvalidURI", status: 400, message: "the path is not a valid URI path")
        }
        self.path = path
        let trimmed = path.dropFirst()
        if let slash = trimmed.firstIndex(of: "/") {
            bucket = String(trimmed[..<slash])
            key = String(trimmed[trimmed.index(after: slash)...])
        } else {
            bucket = String(trimmed)
            key = ""
        }
    }

    public func parameter(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    public func header(_ name: String) -> String? { headers[name] }
}
