import CCurl
import DverSystem
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP request for `HTTPClient`.
struct HTTPRequest: Sendable {
    enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// `length` bytes of a file from `offset`.
        case file(path: String, offset: UInt64, length: UInt64)
    }

    enum Sink: Sendable {
        case memory
        case file(path: String)
    }

    var method: String
    var url: String
    var headers: [String] = []
    var body: Body = .none
    var sink: Sink = .memory
    /// Inclusive byte range `bytes=a-b`.
    var range: ClosedRange<UInt64>?
    /// The most body bytes a successful response may have; the transfer stops with
    /// `HTTPBodyTooLarge` beyond it. A server is not trusted to send what was asked for.
    var limit: UInt64?
    var progress: TransferProgress?
}

/// A response body went past `HTTPRequest.limit`.
struct HTTPBodyTooLarge: Error, Sendable {
    var limit: UInt64
}

/// The status, headers (lowercased names) and, for memory sinks, body of a response.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
}

/// Why a request did not produce a response.
struct HTTPTransportFailure: Error, Sendable {
    var code: Int
    var message: String
    /// Connection refused or host not found: the endpoint is not there at all.
    var isUnreachable: Bool { code == Int(CURLE_COULDNT_CONNECT.rawValue) || code == Int(CURLE_COULDNT_RESOLVE_HOST.rawValue) }
}

/// A small HTTP client over libcurl's easy interface: a pool of easy handles (one per request
/// in flight, reused so connections stay alive), SigV4 signing by libcurl.
final class HTTPClient: Sendable {
    /// "aws:amz:REGION:s3" and the key pair, or nil for unsigned requests.
    struct Signing: Sendable {
        var provider: String
        var credentials: S3Credentials
    }

    private let signing: Signing?
    private let pool = Locked<[CurlEasy]>([])

    /// Why libcurl could not be loaded, or nil once it is (opened on first use: ccurl.h).
    private static let loadFailure: String? = dver_curl_load().map { String(cString: $0) }

    init(signing: Signing?) {
        self.signing = signing
    }

    /// Performs one request.
    /// - Throws: `RemoteError.libcurlUnavailable`; `HTTPTransportFailure` when no response
    ///   arrived; `SystemError` for local files.
    func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        if let reason = Self.loadFailure { throw RemoteError.libcurlUnavailable(reason: reason) }
        let easy = pool.withLock { $0.popLast() } ?? CurlEasy()
        defer { pool.withLock { $0.append(easy) } }
        return try easy.perform(request, signing: signing)
    }
}

/// `DVER_CURL_VERBOSE=1` makes libcurl trace requests on stderr (headers only; secrets are
/// never in them: SigV4 sends a signature, not the key).
private let verbose = getenv("DVER_CURL_VERBOSE").map { String(cString: $0) == "1" } ?? false

/// One libcurl easy handle. Used by one request at a time (checked out of `HTTPClient`'s
/// locked pool), hence `@unchecked Sendable`.
final class CurlEasy: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer?

    init() { handle = dver_curl_easy_init() }

    deinit { dver_curl_easy_cleanup(handle) }

    func perform(_ request: HTTPRequest, signing: HTTPClient.Signing?) throws -> HTTPResponse {
        guard let handle else { throw HTTPTransportFailure(code: -1, message: "curl_easy_init failed") }
        dver_curl_easy_reset(handle)
        let context = try TransferContext(request)
        defer { context.close() }
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { dver_curl_slist_free_all(headers) }
        for header in request.headers { headers = dver_curl_slist_append(headers, header) }
        // Temporary credentials: the token goes in a header that libcurl's SigV4 signs like
        // every header set here (it lists it in SignedHeaders).
        if let token = signing?.credentials.sessionToken, !token.isEmpty {
            headers = dver_curl_slist_append(headers, "x-amz-security-token: \(token)")
        }

        dver_curl_set_string(handle, CURLOPT_URL, request.url)
        dver_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        dver_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 10)
        // A server that stops sending for 30 s is treated as gone.
        dver_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
        dver_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, 30)
        dver_curl_set_headers(handle, headers)
        if verbose { dver_curl_trace_redacting(handle) }
        if let signing {
            dver_curl_set_string(handle, CURLOPT_AWS_SIGV4, signing.provider)
            dver_curl_set_string(handle, CURLOPT_USERNAME, signing.credentials.accessKeyID)
            dver_curl_set_string(handle, CURLOPT_PASSWORD, signing.credentials.secretAccessKey)
        }
        if let range = request.range {
            dver_curl_set_string(handle, CURLOPT_RANGE, "\(range.lowerBound)-\(range.upperBound)")
        }
        let opaque = Unmanaged.passUnretained(context).toOpaque()
        dver_curl_set_callback(handle, CURLOPT_WRITEFUNCTION, curlWrite)
        dver_curl_set_pointer(handle, CURLOPT_WRITEDATA, opaque)
        dver_curl_set_callback(handle, CURLOPT_HEADERFUNCTION, curlHeader)
        dver_curl_set_pointer(handle, CURLOPT_HEADERDATA, opaque)
        switch request.method {
        case "GET": break
        case "HEAD": dver_curl_set_long(handle, CURLOPT_NOBODY, 1)
        case "DELETE": dver_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, "DELETE")
        case "PUT":
            dver_curl_set_long(handle, CURLOPT_UPLOAD, 1)
            dver_curl_set_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(context.uploadLength))
            dver_curl_set_callback(handle, CURLOPT_READFUNCTION, curlRead)
            dver_curl_set_pointer(handle, CURLOPT_READDATA, opaque)
        default:
            dver_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
            dver_curl_set_long(handle, CURLOPT_POST, 1)
            dver_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(context.uploadLength))
            dver_curl_set_callback(handle, CURLOPT_READFUNCTION, curlRead)
            dver_curl_set_pointer(handle, CURLOPT_READDATA, opaque)
        }
        let code = dver_curl_easy_perform(handle)
        if let error = context.localError { throw error }
        // A server that ignored Range: the wanted bytes arrived and the transfer was cut short.
        guard code == CURLE_OK || (code == CURLE_WRITE_ERROR && context.rangeComplete) else {
            throw HTTPTransportFailure(code: Int(code.rawValue), message: String(cString: dver_curl_easy_strerror(code)))
        }
        return HTTPResponse(status: dver_curl_response_code(handle), headers: context.responseHeaders, body: context.body)
    }
}

/// State shared with the C callbacks of one transfer.
private final class TransferContext {
    let request: HTTPRequest
    var body: [UInt8] = []
    var responseHeaders: [String: String] = [:]
    var localError: (any Error)?
    /// The request body: bytes, or a mapped file.
    private var upload: [UInt8] = []
    private var mapped: MappedFile?
    private var uploadStart = 0
    private(set) var uploadLength = 0
    private var uploaded = 0
    private var output: FileDescriptor?

    init(_ request: HTTPRequest) throws {
        self.request = request
        switch request.body {
        case .none: break
        case .bytes(let bytes):
            upload = bytes
            uploadLength = bytes.count
        case .file(let path, let offset, let length):
            let file = try MappedFile(path: path)
            guard offset + length <= UInt64(file.count) else {
                throw SystemError("read", path: path, errno: EINVAL)
            }
            mapped = file
            uploadStart = Int(offset)
            uploadLength = Int(length)
        }
        if case .file(let path) = request.sink {
            output = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        }
    }

    func close() { output?.close() }

    /// Error documents are kept up to this size (S3's are a few hundred bytes).
    static let errorBodyLimit = 64 << 10
    /// Body bytes of a successful response received so far.
    private var received: UInt64 = 0
    /// Set when a server that ignored Range has sent every wanted byte.
    private(set) var rangeComplete = false

    func receive(_ pointer: UnsafeRawPointer, _ count: Int) -> Int {
        let chunk = UnsafeRawBufferPointer(start: pointer, count: count)
        guard (200..<300).contains(currentStatus) else {
            body.append(contentsOf: chunk.prefix(max(0, Self.errorBodyLimit - body.count)))
            return count
        }
        if currentStatus == 200, let range = request.range { return receiveIgnoringRange(chunk, range) }
        let (total, overflow) = received.addingReportingOverflow(UInt64(count))
        if let limit = request.limit, overflow || total > limit {
            localError = HTTPBodyTooLarge(limit: limit)
            return 0
        }
        received = total
        if let output {
            do { try output.writeAll(pointer, count: count) } catch {
                localError = error
                return 0
            }
        } else {
            body.append(contentsOf: chunk)
        }
        request.progress?(UInt64(count))
        return count
    }

    /// A whole object answering a ranged request: keeps only the bytes of `range`, and stops
    /// the transfer (the caller sees `rangeComplete`) once they are all here.
    private func receiveIgnoringRange(_ chunk: UnsafeRawBufferPointer, _ range: ClosedRange<UInt64>) -> Int {
        let start = received
        received += UInt64(chunk.count)   // at most range.upperBound + 1 + one chunk: cannot overflow
        if received > range.lowerBound, start <= range.upperBound {
            let from = Int(range.lowerBound > start ? range.lowerBound - start : 0)
            let to = Int(min(received, range.upperBound + 1) - start)
            body.append(contentsOf: chunk[from..<to])
            request.progress?(UInt64(to - from))
        }
        if received > range.upperBound {
            rangeComplete = true
            return 0
        }
        return chunk.count
    }

    func send(_ pointer: UnsafeMutableRawPointer, _ capacity: Int) -> Int {
        let count = min(capacity, uploadLength - uploaded)
        guard count > 0 else { return 0 }
        if let mapped, let base = mapped.bytes.baseAddress {
            pointer.copyMemory(from: base + uploadStart + uploaded, byteCount: count)
        } else {
            upload.withUnsafeBytes { source in
                pointer.copyMemory(from: source.baseAddress! + uploaded, byteCount: count)  // count > 0, so non-empty
            }
        }
        uploaded += count
        request.progress?(UInt64(count))
        return count
    }

    /// The status of the response being received (from its status line).
    var currentStatus = 0

    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let status = Int(parts[1]) {
                currentStatus = status
                responseHeaders = [:]
            }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingHTTPWhitespace()
        responseHeaders[name] = value
    }
}

private let curlWrite: dver_curl_io_callback = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let transfer = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
    return transfer.receive(UnsafeRawPointer(buffer), size * count)
}

private let curlRead: dver_curl_io_callback = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let transfer = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
    return transfer.send(UnsafeMutableRawPointer(buffer), size * count)
}

private let curlHeader: dver_curl_io_callback = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let transfer = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: size * count), as: UTF8.self)
    transfer.header(line)
    return size * count
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, CR and LF (byte-wise: "\r\n" is a single
    /// Character in Swift, which a Character comparison would miss).
    func trimmingHTTPWhitespace() -> String {
        let bytes = Array(utf8)
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let first = bytes.firstIndex(where: { !blank($0) }), let last = bytes.lastIndex(where: { !blank($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
