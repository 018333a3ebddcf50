import Foundation
import Results
import Testing

@Suite struct EmotionTests {
    /// FER2013's canonical class order (shared/data/README.md), the order of every model output.
    private let ferOrder = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]

    @Test func casesFollowFER2013Order() {
        #expect(Emotion.allCases.map(\.rawValue) == ferOrder)
    }

    @Test func indexIsTheFER2013Index() {
        for (index, name) in ferOrder.enumerated() {
            let emotion = Emotion(rawValue: name)
            #expect(emotion?.index == index, "\(name)")
            #expect(Emotion(index: index) == emotion, "\(index)")
        }
    }

    @Test(arguments: [-1, 7, 8, Int.min, Int.max])
    func indexOutOfRangeIsNil(index: Int) {
        #expect(Emotion(index: index) == nil)
    }

    @Test func orderingFollowsIndex() {
        #expect(Emotion.angry < Emotion.disgust)
        #expect(Emotion.surprise < Emotion.neutral)
        #expect(!(Emotion.neutral < Emotion.happy))
        #expect([Emotion.neutral, .happy, .angry, .sad].sorted() == [.angry, .happy, .sad, .neutral])
    }

    @Test func codesAsItsName() throws {
        let data = try JSONEncoder().encode([Emotion.surprise, .disgust])
        #expect(String(decoding: data, as: UTF8.self) == #"["surprise","disgust"]"#)
        #expect(try JSONDecoder().decode([Emotion].self, from: data) == [.surprise, .disgust])
    }
}
