import DverAccess
import Foundation

/// What the HTTP layer sends back: status, headers, and a body that is either bytes in memory
/// (XML documents) or a range of a file streamed chunk by chunk.
public struct S3Response: Sendable {
    public enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// The bytes of `range` of a file, read from the store as they are sent.
        case file(FileContent, Range<UInt64>)
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: Body
    /// Sent as Content-Length; for HEAD the length the GET would have.
    public var contentLength: UInt64

    init(status: Int, headers: [(String, String)] = [], body: Body = .none, contentLength: UInt64? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        switch body {
        case .none: self.contentLength = contentLength ?? 0
        case .bytes(let bytes): self.contentLength = UInt64(bytes.count)
        case .file(_, let range): self.contentLength = UInt64(range.count)
        }
    }

    static func xml(_ text: String, status: Int = 200) -> S3Response {
        S3Response(status: status, headers: [("Content-Type", "application/xml")], body: .bytes(Array(text.utf8)))
    }

    static func error(_ error: S3Error, requestID: String, head: Bool) -> S3Response {
        let body = Array(error.xml(requestID: requestID).utf8)
        return S3Response(status: error.status, headers: [("Content-Type", "application/xml")] + error.headers.sorted { $0.key < $1.key },
                          body: head ? .none : .bytes(body), contentLength: head ? 0 : nil)
    }
}

/// Dates as S3 and SigV4 write them.
enum S3Dates {
    /// ISO 8601 with milliseconds, for listings: `2026-11-30T12:00:00.000Z`.
    static func iso8601(nanoseconds: Int64) -> String {
        formatter("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").string(from: date(nanoseconds))
    }

    /// RFC 1123, for Last-Modified: `Mon, 30 Nov 2026 12:00:00 GMT`.
    static func http(nanoseconds: Int64) -> String { http(date(nanoseconds)) }

    static func http(_ date: Date) -> String { formatter("EEE, dd MMM yyyy HH:mm:ss 'GMT'").string(from: date) }

    static func parseHTTP(_ text: String) -> Date? { formatter("EEE, dd MMM yyyy HH:mm:ss zzz").date(from: text) }

    /// SigV4's `20261130T120000Z`.
    static func amz(_ date: Date) -> String { formatter("yyyyMMdd'T'HHmmss'Z'").string(from: date) }

    static func parseAmz(_ text: String) -> Date? { formatter("yyyyMMdd'T'HHmmss'Z'").date(from: text) }

    /// Whole seconds: HTTP dates carry no fraction, so comparisons use seconds.
    static func date(_ nanoseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(nanoseconds / 1_000_000_000))
    }

    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }
}
