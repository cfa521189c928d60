import DverAccess
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `dver serve`'s HTTP server: SwiftNIO accepts connections and parses HTTP/1.1 on its event
/// loops; each request is answered on a thread of a worker pool (reads from the store block),
/// which streams file bodies chunk by chunk with a bounded window of unsent bytes.
public final class S3Server: Sendable {
    public let service: S3Service
    /// Called with one line per request (`--log`).
    let log: (@Sendable (String) -> Void)?
    private let group: MultiThreadedEventLoopGroup
    private let pool: NIOThreadPool
    private let channel: any Channel

    /// The address the server listens on (the port is the real one when 0 was asked for).
    public var address: String {
        guard let local = channel.localAddress else { return "?" }
        return "\(local.ipAddress ?? "?"):\(local.port ?? 0)"
    }

    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Binds and starts serving.
    /// - Parameter workers: requests answered at once (each may stream a file).
    /// - Throws: `ServeError.cannotListen`.
    public init(service: S3Service, host: String, port: Int, workers: Int = 16, log: (@Sendable (String) -> Void)? = nil) throws {
        self.service = service
        self.log = log
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, min(4, System.coreCount)))
        pool = NIOThreadPool(numberOfThreads: max(1, workers))
        pool.start()
        let pool = self.pool
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(S3HTTPHandler(service: service, pool: pool, log: log))
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? pool.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw ServeError.cannotListen(address: "\(host):\(port)", reason: "\(error)")
        }
    }

    /// Blocks until the server is closed (`close`, or a signal handler that calls it).
    public func wait() throws {
        try channel.closeFuture.wait()
    }

    /// Stops accepting, closes the listening socket and releases the threads.
    public func close() {
        _ = try? channel.close().wait()
        try? pool.syncShutdownGracefully()
        try? group.syncShutdownGracefully()
    }
}
