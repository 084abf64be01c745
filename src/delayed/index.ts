export { delayed, Delayed, type DelayedOptions, type DelayedArgs, type MaybeDelayed } from './delayed.ts';
