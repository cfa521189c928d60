import DverAccess
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Collects one HTTP request (bodies are counted and dropped: nothing here accepts a write) and
/// hands it to a worker thread, which answers it through `S3ResponseWriter`. The pipelining
/// handler NIO puts in front holds the next request back until this response has ended.
final class S3HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let service: S3Service
    private let pool: NIOThreadPool
    private let log: (@Sendable (String) -> Void)?
    private var head: HTTPRequestHead?

    init(service: S3Service, pool: NIOThreadPool, log: (@Sendable (String) -> Void)?) {
        self.service = service
        self.pool = pool
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            let writer = S3ResponseWriter(channel: context.channel, service: service, log: log)
            pool.submit { state in
                guard case .active = state else {
                    writer.channel.close(promise: nil)
                    return
                }
                writer.answer(head)
            }
        }
    }
}

/// Answers one request on a worker thread: asks the service, then writes the head and the body.
/// A file body is streamed one chunk at a time with at most `window` chunks unsent, so memory
/// stays bounded whatever the file's size and however slow the client.
struct S3ResponseWriter: Sendable {
    let channel: any Channel
    let service: S3Service
    let log: (@Sendable (String) -> Void)?
    /// Writes handed to the event loop but not yet to the socket, and their size: the most a
    /// response holds in memory is about their product (4 MiB), whatever the file's size.
    static let window = 4
    static let batch = 1 << 20

    func answer(_ head: HTTPRequestHead) {
        let started = DispatchTime.now().uptimeNanoseconds
        let requestID = String(UInt64.random(in: 0...UInt64.max), radix: 16, uppercase: true)
        let isHead = head.method == .HEAD
        let address = channel.remoteAddress?.ipAddress ?? "-"
        let response: S3Response
        do {
            let request = try S3Request(method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) })
            response = service.respond(to: request, requestID: requestID)
        } catch let error as S3Error {
            response = .error(error, requestID: requestID, head: isHead)
        } catch {
            response = .error(.internalError("\(error)"), requestID: requestID, head: isHead)
        }
        var headers = HTTPHeaders(response.headers)
        if response.status != 304 { headers.add(name: "Content-Length", value: String(response.contentLength)) }
        headers.add(name: "x-amz-request-id", value: requestID)
        headers.add(name: "Server", value: "dver")
        headers.add(name: "Date", value: S3Dates.http(Date()))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: response.status),
                                                                   headers: headers)), promise: nil)
        var sent: UInt64 = 0
        var failure: String?
        switch response.body {
        case .none:
            break
        case .bytes(let bytes):
            channel.write(HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(bytes: bytes))), promise: nil)
            sent = UInt64(bytes.count)
        case .file(let content, let range):
            do {
                // Pieces are gathered into writes of about `batch` bytes: one hop to the event
                // loop per write, not per chunk. At most `window` writes wait unsent.
                var unsent = [EventLoopFuture<Void>]()
                let target = channel
                var buffer = target.allocator.buffer(capacity: Self.batch)
                func send() throws {
                    unsent.append(target.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer))))
                    buffer = target.allocator.buffer(capacity: Self.batch)
                    if unsent.count >= Self.window { try unsent.removeFirst().wait() }
                }
                try content.read(range) { piece in
                    buffer.writeBytes(piece)
                    sent += UInt64(piece.count)
                    if buffer.readableBytes >= Self.batch { try send() }
                    return true
                }
                if buffer.readableBytes > 0 { try send() }
                for future in unsent { try future.wait() }
            } catch {
                failure = "\(error)"
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
        if let failure {
            // The head is out: the only honest signal left is to cut the connection, so the
            // client sees a short body instead of wrong bytes.
            channel.close(promise: nil)
            log?("\(Self.timestamp()) \(address) \(head.method.rawValue) \(head.uri) \(response.status) \(sent) \(String(format: "%.1f", elapsed))ms \(requestID) aborted: \(failure)")
            return
        }
        let connection = channel
        connection.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in
            if !keepAlive { connection.close(promise: nil) }
        }
        log?("\(Self.timestamp()) \(address) \(head.method.rawValue) \(head.uri) \(response.status) \(sent) \(String(format: "%.1f", elapsed))ms \(requestID)")
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date())
    }
}
