/** The middle value (the upper of the two middle ones for an even count: bench runs are odd). */
export const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
