import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on a free loopback port, for checking what a client sends and
/// serving crafted answers: it records the head (request line and headers) of every request
/// and answers each as `respond` says — by default `404 NoSuchKey`, as S3 answers a GET of a
/// missing object. One connection at a time; call `stop` when done (the serving thread keeps
/// the server alive until then).
public final class RecordingHTTPServer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// An answer: status line, headers (besides Content-Length and Connection) and body.
    public struct Response: Sendable {
        public var status: Int
        public var reason: String
        public var headers: [String]
        public var body: [UInt8]

        public init(status: Int, reason: String, headers: [String] = ["Content-Type: application/xml"], body: [UInt8]) {
            self.status = status
            self.reason = reason
            self.headers = headers
            self.body = body
        }

        /// S3's answer to a GET of a missing object.
        public static let noSuchKey = Response(status: 404, reason: "Not Found", body: Array(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>none</Message></Error>".utf8))
    }

    public let port: Int
    private let listener: Int32
    private let respond: @Sendable (_ head: String, _ number: Int) -> Response
    // `heads` is guarded by `lock`; `listener` is only closed by `stop`.
    private let lock = NSLock()
    private var heads: [String] = []
    private let stopped = NSCondition()
    private var running = true

    /// - Parameter respond: the answer to a request, given its head and its number (from 1).
    public init(respond: @escaping @Sendable (_ head: String, _ number: Int) -> Response = { _, _ in .noSuchKey }) throws {
        self.respond = respond
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw Failure(description: "bind/listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// `http://127.0.0.1:PORT`
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The heads of the requests received so far, in order (header lines as sent, CRLF removed).
    public var requests: [String] {
        lock.lock()
        defer { lock.unlock() }
        return heads
    }

    /// Stops accepting connections and waits for the serving thread to end.
    public func stop() {
        stopped.lock()
        defer { stopped.unlock() }
        guard running else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        while running { stopped.wait() }
        close(listener)
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                break
            }
            handle(connection)
            close(connection)
        }
        stopped.lock()
        running = false
        stopped.broadcast()
        stopped.unlock()
    }

    /// Reads one request (head, then as much body as Content-Length says) and answers it.
    private func handle(_ connection: Int32) {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        let end = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            let got = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard got > 0 else { return }
            received += buffer[..<got]
            if received.count >= 4 {
                headEnd = (0...(received.count - 4)).first { Array(received[$0..<($0 + 4)]) == end }
            }
        }
        guard let headEnd else { return }
        let head = String(decoding: received[..<headEnd], as: UTF8.self)
        lock.lock()
        heads.append(head)
        let number = heads.count
        lock.unlock()
        let lengthLine = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
        var remaining = (lengthLine.flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0)
            - (received.count - headEnd - 4)
        while remaining > 0 {
            let got = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, min($0.count, remaining), 0) }
            guard got > 0 else { return }
            remaining -= got
        }
        let answer = respond(head, number)
        let lines = ["HTTP/1.1 \(answer.status) \(answer.reason)"] + answer.headers + ["Content-Length: \(answer.body.count)", "Connection: close"]
        let bytes = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + answer.body
        var sent = 0
        while sent < bytes.count {
            let wrote = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard wrote > 0 else { return }
            sent += wrote
        }
    }
}
