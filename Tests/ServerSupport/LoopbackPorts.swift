import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Free TCP ports on loopback for test servers, chosen below the kernel's ephemeral range
/// (`ip_local_port_range`). A server restarted on its old ports (the tests that kill one) could
/// otherwise find a port taken meanwhile as the local end of some outgoing connection.
public enum LoopbackPorts {
    /// The lowest ephemeral port; 32768 when the kernel does not say.
    static let ephemeralLow: Int = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        return max(low, 12_000)
    }()

    /// The first of `count` consecutive free ports, each also free at `+ offset` when `offset`
    /// is given (SeaweedFS puts its gRPC ports 10000 above), none in `taken`.
    public static func free(count: Int = 1, offset: Int? = nil, avoiding taken: [Int] = []) throws -> Int {
        let span = count + (offset ?? 0)
        let upper = ephemeralLow - span
        guard upper > 10_000 else { throw PortFailure(message: "no room for \(span) ports below the ephemeral range (\(ephemeralLow))") }
        for _ in 0..<400 {
            let first = Int.random(in: 10_000..<upper)
            var ports = Array(first..<first + count)
            if let offset { ports += ports.map { $0 + offset } }
            if ports.contains(where: { port in taken.contains(port) || offset.map { taken.contains(port - $0) || taken.contains(port + $0) } == true }) { continue }
            if ports.allSatisfy(isFree) { return first }
        }
        throw PortFailure(message: "no \(count) free loopback ports found below \(ephemeralLow)")
    }

    public static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

public struct PortFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
