// Entry of the widget bundle (vite.widget.config.ts → dist/widget.js, an IIFE
// whose exports become window.ConciergeWidget).
import { boot, publicApi } from './embed';

boot();

declare global {
  interface Window {
    ConciergeWidget?: typeof publicApi;
  }
}
if (typeof window !== 'undefined') window.ConciergeWidget = publicApi;

export const { open, close, toggle, isOpen, send, setLanguage, destroy } = publicApi;
