import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on a free loopback port, for checking what a client sends: it
/// records the head (request line and headers) of every request and answers each with
/// `404 NoSuchKey`, as S3 answers a GET of a missing object. One connection at a time;
/// call `stop` when done (the serving thread keeps the server alive until then).
public final class RecordingHTTPServer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let port: Int
    private let listener: Int32
    // `heads` is guarded by `lock`; `listener` is only closed by `stop`.
    private let lock = NSLock()
    private var heads: [String] = []
    private let stopped = NSCondition()
    private var running = true

    public init() throws {
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

    /// Reads one request (head, then as much body as Content-Length says) and answers 404.
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
        lock.unlock()
        let lengthLine = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
        var remaining = (lengthLine.flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0)
            - (received.count - headEnd - 4)
        while remaining > 0 {
            let got = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, min($0.count, remaining), 0) }
            guard got > 0 else { return }
            remaining -= got
        }
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>none</Message></Error>"
        let response = "HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let bytes = Array(response.utf8)
        var sent = 0
        while sent < bytes.count {
            let wrote = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard wrote > 0 else { return }
            sent += wrote
        }
    }
}
