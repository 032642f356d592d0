namespace InferenceScaling.Refinement;

/// <summary>Why a revised answer was accepted or rejected: one code per confirmation the policy asked for (<see cref="CritiqueRound.Reasons"/>).</summary>
public enum AcceptanceReason
{
    /// <summary>The revision's critique says correct, with p(correct) ≥ <see cref="RefinementOptions.MinConfirmProbability"/>.</summary>
    CritiqueSaysCorrect,

    /// <summary>The revision's critique says correct, but with p(correct) below <see cref="RefinementOptions.MinConfirmProbability"/>.</summary>
    CritiqueNotConfident,

    /// <summary>The revision's critique says wrong.</summary>
    CritiqueSaysWrong,

    /// <summary>The revision's critique wrote no verdict.</summary>
    CritiqueNoVerdict,

    /// <summary>The token cap left no room to check the revision (it is rejected).</summary>
    NoRoomToCheck,

    /// <summary>The revision's check scores it higher than the critique scored the answer it would replace.</summary>
    ScoresHigher,

    /// <summary>The revision's check does not score it higher than the answer it would replace.</summary>
    ScoresNoHigher,

    /// <summary>The re-vote (the pool plus the revisions, the critiqued answer set aside) is led by the revision.</summary>
    LeadsReVote,

    /// <summary>The re-vote prefers another answer (<see cref="CritiqueRound.ReVoteLeader"/>).</summary>
    ReVotePrefersAnother,
}
