import DverTestSupport
import DverChunking
import Foundation
import Testing

/// The known-answer vectors in Vectors/fastcdc.json, written by
/// scripts/reference/fastcdc_reference.py (an independent byte-at-a-time implementation).
struct FastCDCVectors: Decodable {
    struct Input: Decodable, Sendable {
        var generator: String
        var seed: UInt64?
        var length: Int

        func bytes() -> [UInt8] {
            switch generator {
            case "splitmix64": SplitMix64.bytes(seed: seed ?? 0, count: length)
            default: [UInt8](repeating: 0, count: length)
            }
        }
    }

    struct Parameters: Decodable, Sendable {
        var minimum: Int
        var average: Int
        var maximum: Int

        var chunkerParameters: ChunkerParameters {
            ChunkerParameters(minimumSize: minimum, averageSize: average, maximumSize: maximum)
        }
    }

    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var input: Input
        var parameters: Parameters
        var inputSHA256: String
        var chunkLengths: [Int]
        var chunkSHA256: [String]

        var testDescription: String { name }
    }

    var gearSample: [String: String]
    var cases: [Case]

    static func load() throws -> FastCDCVectors {
        let url = try #require(Bundle.module.url(forResource: "fastcdc", withExtension: "json",
                                                 subdirectory: "Vectors"))
        return try JSONDecoder().decode(FastCDCVectors.self, from: Data(contentsOf: url))
    }
}
