"""The citizen's rights under the data-protection law beyond access and consent: restriction and
objection (pausing new consent requests) and notification of a personal-data breach."""
